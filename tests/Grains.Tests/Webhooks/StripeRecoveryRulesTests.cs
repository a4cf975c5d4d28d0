using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Webhooks;

namespace CaaS.Grains.Tests.Webhooks;

/// <summary>WH-6 for Stripe: when the recovery fetches, where it starts, and what it reads of an event.</summary>
public sealed class StripeRecoveryRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly StripeRecoveryOptions Settings = new() { QuietAfter = TimeSpan.FromMinutes(10), FetchEvery = TimeSpan.FromHours(1) };

    [Theory]
    [InlineData(null, 1, true)]     // never fetched: fetch at once
    [InlineData(5, 1, false)]       // a webhook a minute ago, a fetch five minutes ago
    [InlineData(11, 11, true)]      // quiet for eleven minutes, and no fetch in that time
    [InlineData(5, 11, false)]      // quiet, but a fetch five minutes ago already looked
    [InlineData(61, 1, true)]       // webhooks arrive, but the schedule is due
    public void WH_6_a_fetch_is_due_when_webhooks_have_been_quiet_or_on_schedule(int? minutesSinceFetch, int minutesSinceWebhook, bool due)
    {
        var lastFetch = minutesSinceFetch is { } minutes ? Now.AddMinutes(-minutes) : (DateTimeOffset?)null;

        Assert.Equal(due, StripeRecoveryRules.IsDue(Settings, Now, Now.AddMinutes(-minutesSinceWebhook), lastFetch));
    }

    [Fact]
    public void WH_6_the_first_fetch_never_asks_for_more_than_Stripe_keeps()
    {
        Assert.Equal(Now.AddDays(-3), StripeRecoveryRules.CreatedFrom(Now, TimeSpan.FromDays(3)));
        Assert.True(StripeRecoveryRules.CreatedFrom(Now, TimeSpan.FromDays(45)) > Now.AddDays(-30));
    }

    [Fact]
    public void WH_6_an_event_of_another_API_version_is_read_from_the_fields_every_version_has()
    {
        const string failedCharge = """
            {"id":"evt_1","object":"event","api_version":"2019-02-19","created":1764590400,"type":"charge.failed",
             "data":{"object":{"id":"ch_1","object":"charge","payment_intent":"pi_1","failure_message":"Your card was declined.",
             "metadata":{"purchaseId":"pur-1"},"source":{"object":"card"}}}}
            """;
        const string failedIntent = """
            {"id":"evt_2","object":"event","api_version":"2025-11-17.clover","created":1764590401,"type":"payment_intent.payment_failed",
             "data":{"object":{"id":"pi_2","object":"payment_intent","last_payment_error":{"message":"insufficient funds"},"metadata":{"reservationId":"res-2"}}}}
            """;

        var charge = Assert.IsType<StripeEventReading.Accepted>(StripeEventReader.Read(failedCharge));
        var intent = Assert.IsType<StripeEventReading.Accepted>(StripeEventReader.Read(failedIntent));

        Assert.Equal(new StripePaymentMessage(new PaymentEvent("evt_1", "charge.failed", "pi_1", DateTimeOffset.FromUnixTimeSeconds(1764590400),
            "Your card was declined.", PaymentEventKind.Other), null, "pur-1"), charge.Message);
        Assert.Equal(new StripePaymentMessage(new PaymentEvent("evt_2", StripeEventTypes.PaymentFailed, "pi_2", DateTimeOffset.FromUnixTimeSeconds(1764590401),
            "insufficient funds", PaymentEventKind.Failed), "res-2", null), intent.Message);
    }

    [Theory]
    [InlineData("""{"id":"evt_3","object":"event","created":1,"type":"customer.created","data":{"object":{"id":"cus_1","object":"customer"}}}""", "ignored")]
    [InlineData("""{"id":"evt_4","object":"event","created":1,"data":{"object":{}}}""", "malformed")]
    [InlineData("""{"object":"event","created":1,"type":"x","data":{"object":{}}}""", "malformed")]
    [InlineData("""{"id":"   ","object":"event","created":1,"type":"x","data":{"object":{}}}""", "malformed")]
    [InlineData("""{"id":"evt_5","object":"event","created":"yesterday","type":"x","data":{"object":{}}}""", "malformed")]
    [InlineData("""{"id":"evt_6","object":"event","created":{},"type":"x","data":{"object":{}}}""", "malformed")]
    [InlineData("""[1,2]""", "malformed")]
    [InlineData("""not json""", "malformed")]
    public void SEC_4_what_is_not_a_payment_event_is_ignored_or_malformed(string json, string expected)
    {
        var reading = StripeEventReader.Read(json);

        Assert.Equal(expected, reading switch
        {
            StripeEventReading.Ignored => "ignored",
            StripeEventReading.Malformed => "malformed",
            _ => "accepted",
        });
    }
}
