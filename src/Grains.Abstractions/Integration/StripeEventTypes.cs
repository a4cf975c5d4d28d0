using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Abstractions.Integration;

/// <summary>
/// The one place that knows Stripe's event type names and what each means in the platform's own
/// words (<see cref="PaymentEventKind"/>): the Stripe webhook source classifies what arrives with it,
/// and the inbox classifies again an event stored before events carried a kind.
/// </summary>
public static class StripeEventTypes
{
    public const string PaymentSucceeded = "payment_intent.succeeded";

    public const string PaymentFailed = "payment_intent.payment_failed";

    public const string PaymentCanceled = "payment_intent.canceled";

    public static PaymentEventKind KindOf(string stripeType) => stripeType switch
    {
        PaymentSucceeded => PaymentEventKind.Succeeded,
        PaymentFailed => PaymentEventKind.Failed,
        PaymentCanceled => PaymentEventKind.Canceled,
        _ => PaymentEventKind.Other,
    };

    /// <summary>
    /// The event with its kind read from its Stripe type when it has none yet (stored as
    /// <see cref="PaymentEventKind.Other"/>); an event already classified is returned as it is.
    /// </summary>
    public static PaymentEvent Classified(PaymentEvent paymentEvent) =>
        paymentEvent.Kind == PaymentEventKind.Other && KindOf(paymentEvent.SourceType) is var kind && kind != PaymentEventKind.Other
            ? paymentEvent with { Kind = kind }
            : paymentEvent;
}
