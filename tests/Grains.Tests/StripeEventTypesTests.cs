using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Tests;

/// <summary>Stripe's event names in the platform's words: what the webhook source and the inbox's replay both rely on.</summary>
public sealed class StripeEventTypesTests
{
    private static readonly DateTimeOffset OccurredAt = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("payment_intent.succeeded", PaymentEventKind.Succeeded)]
    [InlineData("payment_intent.payment_failed", PaymentEventKind.Failed)]
    [InlineData("payment_intent.canceled", PaymentEventKind.Canceled)]
    [InlineData("payment_intent.amount_capturable_updated", PaymentEventKind.Other)]
    [InlineData("charge.refunded", PaymentEventKind.Other)]
    [InlineData("PAYMENT_INTENT.SUCCEEDED", PaymentEventKind.Other)]
    [InlineData("", PaymentEventKind.Other)]
    public void Each_Stripe_type_maps_to_the_platform_kind_and_any_other_is_Other(string stripeType, PaymentEventKind expected) =>
        Assert.Equal(expected, StripeEventTypes.KindOf(stripeType));

    [Theory]
    [InlineData("payment_intent.succeeded", PaymentEventKind.Succeeded)]
    [InlineData("payment_intent.payment_failed", PaymentEventKind.Failed)]
    [InlineData("payment_intent.canceled", PaymentEventKind.Canceled)]
    public void An_event_stored_before_kinds_existed_is_classified_again_from_its_Stripe_type(string stripeType, PaymentEventKind expected)
    {
        var stored = Event(stripeType, PaymentEventKind.Other);

        Assert.Equal(stored with { Kind = expected }, StripeEventTypes.Classified(stored));
    }

    [Fact]
    public void An_event_that_carries_a_kind_keeps_it()
    {
        // The kind decided at intake stands, whatever the type says.
        var classified = Event("payment_intent.succeeded", PaymentEventKind.Failed);

        Assert.Same(classified, StripeEventTypes.Classified(classified));
    }

    [Fact]
    public void An_event_of_a_type_the_flows_do_not_act_on_stays_Other()
    {
        var stored = Event("charge.refunded", PaymentEventKind.Other);

        Assert.Same(stored, StripeEventTypes.Classified(stored));
    }

    private static PaymentEvent Event(string stripeType, PaymentEventKind kind) =>
        new("evt_1", stripeType, "pi_1", OccurredAt, null, kind);
}
