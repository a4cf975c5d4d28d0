using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// WH-6 for Stripe, over HTTP: the sandbox's Stripe stops delivering webhooks (its events are still listed
/// at GET /v1/events, as Stripe lists them 30 days), and the platform's recovery, on its own schedule,
/// fetches what no webhook brought, through the same inboxes. The fixture's Stripe renders every event in
/// an older API version than Stripe.net's, as an account pinned to it would.
/// </summary>
[Collection(CaaSPlatformCollection.Name)]
public sealed class StripeEventRecoveryTests(CaaSPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    [Fact]
    public async Task WH_6_Stripe_events_whose_webhooks_were_lost_are_fetched_on_schedule_and_the_late_webhook_is_a_duplicate()
    {
        var (_, token) = await Calls.CustomerAsync();
        var vin = await Calls.DeliveredVehicleAsync(token);
        var recoveredBefore = (await fixture.Grains.GetGrain<IStripeEventRecoveryGrain>(0).GetStatusAsync()).RecoveredTotal;

        await Calls.SandboxPostAsync("/sandbox/stripe/webhooks", new { deliver = false });
        string id, failureId;
        JsonElement failed;
        try
        {
            using var started = await Calls.BuyAsync(token, vin, "ENHANCED_POWER");
            id = (await CaaSCalls.ReadAsync(started)).GetProperty("purchaseId").GetString()!;
            // The settlement is confirmed by payment_intent.succeeded, which no webhook brings now.
            await Eventually.Until(() => Calls.PurchaseAsync(token, id), view => view.GetProperty("settlement").GetString() == "confirmed",
                "the settlement to be confirmed by a fetched event");
            var intent = Assert.Single((await Calls.IntentsAsync(id)).EnumerateArray()).GetProperty("id").GetString()!;
            failureId = (await Calls.SandboxPostAsync($"/sandbox/stripe/payment_intents/{intent}/fail-settlement", new { })).GetProperty("eventId").GetString()!;
            // A read interleaves with the purchase's handling: the settlement shows failed before its history entry is written.
            failed = await Eventually.Until(() => Calls.PurchaseAsync(token, id), view => view.GetProperty("settlement").GetString() == "failed" && Failures(view) == 1,
                "the settlement failure to arrive by a fetched event");
            var sent = await StripeEventsAsync(intent);
            var delivered = await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/webhooks"));
            Assert.DoesNotContain(delivered.EnumerateArray(), delivery => sent.Contains(delivery.GetProperty("id").GetString()));
        }
        finally
        {
            await Calls.SandboxPostAsync("/sandbox/stripe/webhooks", new { deliver = true });
        }

        var status = await fixture.Grains.GetGrain<IStripeEventRecoveryGrain>(0).GetStatusAsync();
        Assert.True(status.RecoveredTotal >= recoveredBefore + 2, $"recovered {status.RecoveredTotal}, before {recoveredBefore}");

        // Stripe retries the lost webhook later: acknowledged, and nothing happens twice.
        await Calls.SandboxPostAsync($"/sandbox/stripe/events/{failureId}/resend", new { });
        var answered = await Eventually.Until(() => Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/webhooks")),
            all => all.EnumerateArray().Any(delivery => delivery.GetProperty("id").GetString() == failureId && delivery.GetProperty("statusCodes").GetArrayLength() > 0),
            "the late webhook to be answered");
        Assert.Equal(200, answered.EnumerateArray().Single(delivery => delivery.GetProperty("id").GetString() == failureId)
            .GetProperty("statusCodes")[0].GetInt32());
        var after = await Calls.PurchaseAsync(token, id);
        // The failure is recorded once, whatever else the purchase records meanwhile.
        Assert.Equal(1, Failures(failed));
        Assert.Equal(1, Failures(after));
        Assert.Single(await fixture.Grains.GetGrain<IOpsGrain>(0).ListAsync(OpsItemKind.RiskItem), item => item.Id == $"settlement-failed/{id}");
    }

    private static int Failures(JsonElement purchase) =>
        purchase.GetProperty("history").EnumerateArray().Count(entry => entry.GetProperty("kind").GetString() == "SettlementFailed");

    private async Task<string[]> StripeEventsAsync(string paymentIntent) =>
        [.. (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/events?payment_intent={paymentIntent}")))
            .EnumerateArray().Select(sent => sent.GetProperty("id").GetString()!)];
}
