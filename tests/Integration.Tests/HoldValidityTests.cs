using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using static CaaS.Integration.Tests.Support.CaaSCalls;

namespace CaaS.Integration.Tests;

/// <summary>
/// PAY-10 over HTTP against the sandbox's stricter Stripe. A platform of its own: the money clock
/// moves Stripe's days for every hold the sandbox keeps, and no other test's holds should age with it.
/// </summary>
[Collection(HoldsPlatformCollection.Name)]
public sealed class HoldValidityTests(HoldsPlatformFixture fixture) : IAsyncLifetime
{
    private readonly CaaSCalls _calls = new(fixture.Platform);

    private Platform Platform => fixture.Platform;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => (await Platform.Http.DeleteAsync(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/clock"))).Dispose();

    [Fact]
    public async Task PAY_10_a_3D_Secure_card_at_booking_is_not_Confirmed_until_the_customer_authenticated()
    {
        var (customer, token) = await _calls.CustomerAsync();
        var vehicle = await _calls.FleetVehicleAsync(0);
        var startsAt = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(2).AddHours(9), TimeSpan.Zero);

        using var created = await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = vehicle.VehicleId, startsAt, endsAt = startsAt.AddHours(3), paymentMethodId = "pm_card_authenticationRequiredOnSetup" });
        var booked = await ReadAsync(created);
        var id = booked.GetProperty("id").GetString()!;
        var asked = booked.GetProperty("paymentAuthentication");
        var before = Assert.Single(await _calls.StripeIntentsAsync("reservationId", id));
        var tooEarly = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{id}/confirm-payment", token));
        using var unlockEarly = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("AwaitingAuthentication", booked.GetProperty("status").GetString());
        Assert.Equal("payment_intent", asked.GetProperty("intentType").GetString());
        Assert.Equal(before.GetProperty("id").GetString(), asked.GetProperty("intentId").GetString());
        Assert.Equal(before.GetProperty("client_secret").GetString(), asked.GetProperty("clientSecret").GetString());
        Assert.Equal("requires_action", before.GetProperty("status").GetString());
        Assert.Equal(0, before.GetProperty("amount_capturable").GetInt64());
        Assert.Equal("AwaitingAuthentication", tooEarly.GetProperty("status").GetString());
        await AssertProblemAsync(unlockEarly, HttpStatusCode.Conflict, "INVALID_STATE");

        // The app runs Stripe's SDK with the client secret; the customer passes the challenge.
        await _calls.SandboxPostAsync($"/sandbox/stripe/payment_intents/{asked.GetProperty("intentId").GetString()}/authenticate",
            new { clientSecret = asked.GetProperty("clientSecret").GetString() });
        var confirmed = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{id}/confirm-payment", token));
        var hold = Assert.Single(await _calls.StripeIntentsAsync("reservationId", id));

        Assert.Equal("Confirmed", confirmed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, confirmed.GetProperty("paymentAuthentication").ValueKind);
        Assert.Equal("requires_capture", hold.GetProperty("status").GetString());
        Assert.Equal(hold.GetProperty("capture_before").GetInt64(), confirmed.GetProperty("holdCaptureBefore").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.StartsWith("cus_", hold.GetProperty("customer").GetString());
        var notified = await Eventually.Until(() => _calls.NotificationsAsync(customer),
            sent => sent.Any(item => item.GetProperty("template").GetString() == "RESERVATION_CONFIRMED"), "the confirmation");
        Assert.Contains(notified, item => item.GetProperty("template").GetString() == "PAYMENT_AUTHENTICATION_REQUIRED");
    }

    [Fact]
    public async Task PAY_10_the_money_clock_expires_a_hold_placed_at_booking_far_ahead_and_the_platform_never_places_one_that_way()
    {
        var (_, token) = await _calls.CustomerAsync();
        var vehicle = await _calls.FleetVehicleAsync(1);
        var farAhead = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(10).AddHours(9), TimeSpan.Zero);
        var soon = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(2).AddHours(9), TimeSpan.Zero);

        // What the platform did before PAY-10 for a booking 10 days ahead: a hold at booking.
        var oldWay = await _calls.ForgeStripeIntentAsync(new Dictionary<string, string> { ["reservationId"] = "old-way-" + Guid.NewGuid().ToString("N")[..8] }, 7_400, capture: false);
        var far = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = vehicle.VehicleId, startsAt = farAhead, endsAt = farAhead.AddHours(4), paymentMethodId = "pm_card_visa" }));
        var near = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = vehicle.VehicleId, startsAt = soon, endsAt = soon.AddHours(4), paymentMethodId = "pm_card_visa" }));
        var farId = far.GetProperty("id").GetString()!;
        var nearId = near.GetProperty("id").GetString()!;
        var nearHold = Assert.Single(await _calls.StripeIntentsAsync("reservationId", nearId));

        Assert.Equal("Confirmed", far.GetProperty("status").GetString());
        Assert.Equal(farAhead.AddHours(-24), far.GetProperty("authorizationDueAt").GetDateTimeOffset());
        Assert.Empty(await _calls.StripeIntentsAsync("reservationId", farId));
        Assert.Equal("Confirmed", near.GetProperty("status").GetString());
        Assert.Equal("requires_capture", nearHold.GetProperty("status").GetString());
        // Customer-initiated: 7 days from now on Stripe's clock, beyond the near booking's end.
        var clock = await ReadAsync(await Platform.Http.GetAsync(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/clock")));
        Assert.InRange(nearHold.GetProperty("capture_before").GetInt64() - clock.GetProperty("now").GetDateTimeOffset().ToUnixTimeSeconds(),
            (long)TimeSpan.FromDays(7).TotalSeconds - 120, (long)TimeSpan.FromDays(7).TotalSeconds);

        var moved = await _calls.SandboxPostAsync("/sandbox/clock", new { advanceBy = "8.00:00:00" });
        var lapsed = (await _calls.StripeIntentsAsync()).Single(intent => intent.GetProperty("id").GetString() == oldWay);
        var events = await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/events?payment_intent={oldWay}"));

        Assert.Equal("8.00:00:00", moved.GetProperty("offset").GetString());
        Assert.Equal("canceled", lapsed.GetProperty("status").GetString());
        Assert.Equal("automatic", lapsed.GetProperty("cancellation_reason").GetString());
        Assert.Contains(events.EnumerateArray(), sent => sent.GetProperty("type").GetString() == "payment_intent.canceled");
        // The booking far ahead had nothing to lose; the near one, told its hold lapsed, holds again at once.
        Assert.Empty(await _calls.StripeIntentsAsync("reservationId", farId));
        var again = await Eventually.Until(() => _calls.StripeIntentsAsync("reservationId", nearId),
            intents => intents.Any(intent => intent.GetProperty("status").GetString() == "requires_capture"), "the near booking to be authorised again");
        Assert.Contains(again, intent => intent.GetProperty("id").GetString() == nearHold.GetProperty("id").GetString()
            && intent.GetProperty("status").GetString() == "canceled");
        Assert.Equal("Confirmed", (await _calls.ReservationAsync(token, nearId)).GetProperty("status").GetString());
    }
}

public sealed class HoldsPlatformFixture : EmbeddedPlatformFixture;

[CollectionDefinition(Name)]
public sealed class HoldsPlatformCollection : ICollectionFixture<HoldsPlatformFixture>
{
    public const string Name = "holds platform";
}
