using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// PAY-12 over HTTP: the platform against Stripe as it behaves, not as a kind sandbox would: events
/// rendered in the account's older API version, events of objects the platform does not act on, and a
/// search index that lags behind writes.
/// </summary>
[Collection(CaaSPlatformCollection.Name)]
public sealed class StripeAsItIsTests(CaaSPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    [Fact]
    public async Task Issue_20_a_cancel_carried_out_at_Stripe_whose_answer_was_lost_and_the_hold_made_again_after_it_can_still_be_cancelled()
    {
        var (customer, token) = await Calls.CustomerAsync();
        var vehicle = await Calls.FleetVehicleAsync(14);
        // Four days ahead: held at once, and cancelled free (the key without a fee).
        var startsAt = DateTimeOffset.UtcNow.AddDays(4).AddHours(5);
        var booked = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = vehicle.VehicleId, startsAt, endsAt = startsAt.AddHours(1), paymentMethodId = "pm_card_visa" }));
        var id = booked.GetProperty("id").GetString()!;
        var first = Assert.Single(await Calls.StripeIntentsAsync("customerId", customer)).GetProperty("id").GetString();

        // The soak's case (seed 7301): Stripe cancels the hold, the answer never comes back, nothing is stored.
        try
        {
            await Calls.FaultAsync(new { system = "stripe", mode = "drop" });
            using var lost = await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{id}/cancel", token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.StatusCode);
        }
        finally
        {
            await Calls.FaultAsync(new { system = "stripe", mode = "ok" });
        }

        // Stripe's payment_intent.canceled then reads as a hold lost, and the booking, still Confirmed, holds again.
        var held = await Eventually.Until(() => Calls.StripeIntentsAsync("customerId", customer),
            intents => intents.Any(intent => intent.GetProperty("id").GetString() != first && intent.GetProperty("status").GetString() == "requires_capture"),
            "the booking to hold again after Stripe's cancellation event", TimeSpan.FromSeconds(60));
        Assert.Equal("canceled", held.Single(intent => intent.GetProperty("id").GetString() == first).GetProperty("status").GetString());

        // The customer's cancel must reach the new hold: under the first cancel's key Stripe answered for the old one
        // and the new hold stayed on a cancelled booking.
        var cancelled = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{id}/cancel", token));
        Assert.Equal("Cancelled", cancelled.GetProperty("status").GetString());
        // Where the cancel met the new hold before its write (seen once under the whole suite's load), the void
        // it owes is the guard's, seconds later; under the old key nothing ever cancelled it.
        await Eventually.Until(() => Calls.StripeIntentsAsync("customerId", customer),
            intents => intents.All(intent => intent.GetProperty("status").GetString() == "canceled"),
            "every hold of the cancelled booking to be cancelled at Stripe", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task PAY_12_a_void_after_a_lost_create_answer_finds_the_intent_by_sending_the_create_again_whatever_the_search_index_says()
    {
        var (customer, token) = await Calls.CustomerAsync();
        var vehicle = await Calls.FleetVehicleAsync(12);
        var startsAt = DateTimeOffset.UtcNow.AddHours(5);
        // A booking ten days ahead only saves the card: the customer's Stripe Customer exists, no PaymentIntent does.
        var ahead = DateTimeOffset.UtcNow.AddDays(10);
        await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = (await Calls.FleetVehicleAsync(11)).VehicleId, startsAt = ahead, endsAt = ahead.AddHours(1), paymentMethodId = "pm_card_visa" }));
        Assert.Empty(await Calls.StripeIntentsAsync("customerId", customer));
        // The index ten minutes behind, as in an outage of Stripe's search: only the create sent again can find the hold.
        await Calls.SandboxPostAsync("/sandbox/stripe/search-lag", new { seconds = 600 });
        try
        {
            await Calls.FaultAsync(new { system = "stripe", mode = "drop" });
            using (var lost = await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
                new { vehicleId = vehicle.VehicleId, startsAt, endsAt = startsAt.AddHours(1), paymentMethodId = "pm_card_visa" }))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.StatusCode);
            }

            var held = Assert.Single(await Calls.StripeIntentsAsync("customerId", customer));
            Assert.Equal("requires_capture", held.GetProperty("status").GetString());
            await Calls.FaultAsync(new { system = "stripe", mode = "ok" });

            var voided = await Eventually.Until(() => Calls.StripeIntentsAsync("customerId", customer),
                intents => intents.All(intent => intent.GetProperty("status").GetString() == "canceled"), "the hold whose create answer was lost to be voided",
                TimeSpan.FromSeconds(90));

            Assert.Equal(held.GetProperty("id").GetString(), Assert.Single(voided).GetProperty("id").GetString());
        }
        finally
        {
            await Calls.FaultAsync(new { system = "stripe", mode = "ok" });
            await Calls.SandboxPostAsync("/sandbox/stripe/search-lag", new { seconds = (double?)null });
        }
    }

    [Fact]
    public async Task PAY_12_events_arrive_in_the_accounts_older_api_version_and_one_about_an_object_the_platform_does_not_act_on_is_acknowledged()
    {
        var (_, token) = await Calls.CustomerAsync();
        var vehicle = await Calls.FleetVehicleAsync(13);
        var startsAt = DateTimeOffset.UtcNow.AddHours(7);
        var reserved = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = vehicle.VehicleId, startsAt, endsAt = startsAt.AddHours(1), paymentMethodId = "pm_card_visa" }));
        var intent = Assert.Single(await Calls.StripeIntentsAsync("reservationId", reserved.GetProperty("id").GetString()!)).GetProperty("id").GetString()!;
        var events = await Eventually.Until(() => SentEventsAsync(intent), sent => sent.Length > 0, "the hold's event");
        // Delivered and answered 200: the platform read the older version's event.
        await Eventually.Until(() => Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/webhooks")),
            all => all.EnumerateArray().Any(delivery => delivery.GetProperty("id").GetString() == events[0].Id
                && delivery.GetProperty("statusCodes").EnumerateArray().Any(status => status.GetInt32() == 200)), "the event's delivery");

        var now = DateTimeOffset.UtcNow;
        var customerCreated = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "evt_" + Guid.NewGuid().ToString("N")[..20], ["object"] = "event", ["api_version"] = "2019-02-19", ["created"] = now.ToUnixTimeSeconds(),
            ["type"] = "customer.created", ["data"] = new Dictionary<string, object?> { ["object"] = new Dictionary<string, object?> { ["id"] = "cus_x", ["object"] = "customer" } },
        });
        using var unknownObject = await Calls.SendStripeAsync(customerCreated, now);
        using var notAnEvent = await Calls.SendStripeAsync("""{"hello":"world"}""", now);

        // Older than Stripe.net's own, as an account made before the library's release renders its events.
        Assert.All(events, sent => Assert.NotEqual(Stripe.StripeConfiguration.ApiVersion, sent.ApiVersion));
        Assert.Equal(HttpStatusCode.OK, unknownObject.StatusCode);
        await CaaSCalls.AssertProblemAsync(notAnEvent, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    private async Task<(string Id, string ApiVersion)[]> SentEventsAsync(string paymentIntent)
    {
        var sent = await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/events?payment_intent={paymentIntent}"));
        return [.. sent.EnumerateArray().Select(item => (item.GetProperty("id").GetString()!, item.GetProperty("apiVersion").GetString()!))];
    }
}
