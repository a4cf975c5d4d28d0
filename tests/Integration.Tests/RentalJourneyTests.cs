using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using static CaaS.Integration.Tests.Support.CaaSCalls;

namespace CaaS.Integration.Tests;

/// <summary>
/// The rental journeys end to end over HTTP: the mobile calls, the webhooks and analytics, against the real API
/// host, a silo and the sandbox, checking money where it is held (the sandbox's Stripe), not only
/// the platform's own view of it. Each test takes its own vehicle and customers.
/// </summary>
[Collection(EmbeddedPlatformCollection.Name)]
public sealed class RentalJourneyTests(EmbeddedPlatformFixture fixture)
{
    private readonly CaaSCalls _calls = new(fixture.Platform);

    private Platform Platform => fixture.Platform;

    [Fact]
    public async Task MOB_1_2_and_SEC_1_a_reservation_is_created_authorised_and_seen_only_by_its_customer()
    {
        var (customer, token) = await _calls.CustomerAsync();
        var vehicle = await _calls.FleetVehicleAsync(0);
        var (from, to) = Window(days: 3, hours: 4);

        var available = await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/available?from={Iso(from)}&to={Iso(to)}", token));
        using var created = await ReserveAsync(token, vehicle.VehicleId, from, to);
        var reservation = await ReadAsync(created);
        var id = reservation.GetProperty("id").GetString()!;
        using var own = await Platform.SendAsync(HttpMethod.Get, $"/api/reservations/{id}", token);
        var (_, otherToken) = await _calls.CustomerAsync();
        using var other = await Platform.SendAsync(HttpMethod.Get, $"/api/reservations/{id}", otherToken);
        using var anonymous = await Platform.SendAsync(HttpMethod.Get, $"/api/reservations/{id}", null);
        var intents = await IntentsAsync(id);

        Assert.Contains(available.EnumerateArray(), item => item.GetProperty("vehicleId").GetString() == vehicle.VehicleId);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/reservations/{id}", created.Headers.Location?.ToString());
        Assert.Equal("Confirmed", reservation.GetProperty("status").GetString());
        Assert.Equal(customer, reservation.GetProperty("customerId").GetString());
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        await AssertProblemAsync(other, HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        var intent = Assert.Single(intents.EnumerateArray());
        Assert.Equal("requires_capture", intent.GetProperty("status").GetString());
        Assert.Equal(reservation.GetProperty("authorizedAmount").GetProperty("amount").GetInt64(), intent.GetProperty("amount").GetInt64());
        var notified = await Eventually.Until(() => _calls.NotificationsAsync(customer), sent => sent.Any(), "the confirmation to be sent");
        Assert.Equal("RESERVATION_CONFIRMED", notified[0].GetProperty("template").GetString());
        var (from2, to2) = (from.AddHours(1), to.AddHours(1));
        var after = await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/available?from={Iso(from2)}&to={Iso(to2)}", token));
        Assert.DoesNotContain(after.EnumerateArray(), item => item.GetProperty("vehicleId").GetString() == vehicle.VehicleId);
    }

    [Fact]
    public async Task MOB_6_of_concurrent_requests_for_overlapping_time_exactly_one_wins_and_only_it_holds_money()
    {
        var vehicle = await _calls.FleetVehicleAsync(1);
        var (from, to) = Window(days: 4, hours: 6);
        var customers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _calls.CustomerAsync()));

        var answers = await Task.WhenAll(customers.Select((customer, i) =>
            ReserveAsync(customer.Token, vehicle.VehicleId, from.AddMinutes(i * 10), to.AddMinutes(i * 10))));

        Assert.Single(answers, answer => answer.StatusCode == HttpStatusCode.Created);
        foreach (var refused in answers.Where(answer => answer.StatusCode != HttpStatusCode.Created))
        {
            await AssertProblemAsync(refused, HttpStatusCode.Conflict, "VEHICLE_UNAVAILABLE");
        }

        var winner = await ReadAsync(answers.Single(answer => answer.StatusCode == HttpStatusCode.Created));
        var held = (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[vehicleId]={vehicle.VehicleId}")))
            .EnumerateArray().Where(intent => intent.GetProperty("status").GetString() == "requires_capture"
                && DateTimeOffset.FromUnixTimeSeconds(intent.GetProperty("created").GetInt64()) > DateTimeOffset.UtcNow.AddMinutes(-5)).ToArray();
        Assert.Equal(winner.GetProperty("id").GetString(), Assert.Single(held).GetProperty("metadata").GetProperty("reservationId").GetString());
    }

    [Fact]
    public async Task PAY_5_a_declined_card_is_PAYMENT_DECLINED_and_releases_the_timeslot()
    {
        var vehicle = await _calls.FleetVehicleAsync(2);
        var (from, to) = Window(days: 5, hours: 2);
        var (_, token) = await _calls.CustomerAsync();

        using var declined = await ReserveAsync(token, vehicle.VehicleId, from, to, paymentMethodId: "pm_card_chargeDeclined");
        using var next = await ReserveAsync(token, vehicle.VehicleId, from, to);

        await AssertProblemAsync(declined, (HttpStatusCode)402, "PAYMENT_DECLINED");
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
    }

    [Fact]
    public async Task An_Idempotency_Key_replays_the_first_answer_and_refuses_a_different_request()
    {
        var vehicle = await _calls.FleetVehicleAsync(3);
        var (from, to) = Window(days: 6, hours: 3);
        var (_, token) = await _calls.CustomerAsync();
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = "mobile-" + Guid.NewGuid().ToString("N") };

        var first = await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, from, to, headers: key));
        var again = await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, from, to, headers: key));
        using var different = await ReserveAsync(token, vehicle.VehicleId, from, to.AddHours(1), headers: key);

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Single((await IntentsAsync(first.GetProperty("id").GetString()!)).EnumerateArray());
        await AssertProblemAsync(different, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");
    }

    [Fact]
    public async Task CUS_3_and_4_ineligible_and_unverifiable_customers_are_refused_and_nothing_is_held()
    {
        var vehicle = await _calls.FleetVehicleAsync(4);
        var (from, to) = Window(days: 7, hours: 2);
        var pending = await Platform.TokenAsync("cust-kyc-pending", "customer");
        var lowCredit = await Platform.TokenAsync("cust-low-credit", "customer");
        var unknown = "cust-" + Guid.NewGuid().ToString("N")[..8];
        var unknownToken = await Platform.TokenAsync(unknown, "customer");

        using var kyc = await ReserveAsync(pending, vehicle.VehicleId, from, to);
        using var credit = await ReserveAsync(lowCredit, vehicle.VehicleId, from, to);
        await FaultAsync("customer", "down", customerId: unknown);
        using var unverifiable = await ReserveAsync(unknownToken, vehicle.VehicleId, from, to);
        await FaultAsync("customer", "ok", customerId: unknown);
        using var invalid = await ReserveAsync(unknownToken, vehicle.VehicleId, to, from);
        using var missing = await ReserveAsync(unknownToken, "veh-999", from, to);
        using var tooLong = await ReserveAsync(unknownToken, vehicle.VehicleId, from, from.AddDays(45));

        await AssertProblemAsync(kyc, HttpStatusCode.UnprocessableEntity, "CUSTOMER_NOT_ELIGIBLE");
        await AssertProblemAsync(credit, HttpStatusCode.UnprocessableEntity, "CUSTOMER_NOT_ELIGIBLE");
        await AssertProblemAsync(unverifiable, HttpStatusCode.ServiceUnavailable, "CUSTOMER_VERIFICATION_UNAVAILABLE");
        await AssertProblemAsync(invalid, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await AssertProblemAsync(missing, HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertProblemAsync(tooLong, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        using var free = await ReserveAsync(unknownToken, vehicle.VehicleId, from, to);
        Assert.Equal(HttpStatusCode.Created, free.StatusCode);
    }

    [Fact]
    public async Task MOB_3_4_and_PAY_2_unlock_within_the_window_return_verify_and_capture_the_final_amount()
    {
        var vehicle = await _calls.FleetVehicleAsync(5);
        var (customer, token) = await _calls.CustomerAsync();
        var (_, stranger) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(2);
        var reservation = await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(3)));
        var id = reservation.GetProperty("id").GetString()!;
        var later = await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, startsAt.AddDays(3), startsAt.AddDays(3).AddHours(2)));

        using var notMine = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", stranger);
        using var tooEarly = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{later.GetProperty("id").GetString()}/unlock", token);
        using var returnedFirst = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, GoodProof);
        using var unlocked = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token);
        var unlock = await ReadAsync(unlocked);
        using var returned = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, GoodProof);
        var completed = await Eventually.Until(() => _calls.ReservationAsync(token, id), view => view.GetProperty("status").GetString() == "Completed", "the rental to complete");

        await AssertProblemAsync(notMine, HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertProblemAsync(tooEarly, HttpStatusCode.Conflict, "INVALID_STATE");
        await AssertProblemAsync(returnedFirst, HttpStatusCode.Conflict, "INVALID_STATE");
        Assert.Equal(HttpStatusCode.Accepted, unlocked.StatusCode);
        Assert.False(string.IsNullOrEmpty(unlock.GetProperty("commandId").GetString()));
        Assert.Contains(await _calls.SandboxRequestsAsync("iot"), request => request.GetProperty("path").GetString() == $"/api/iot/vehicles/{vehicle.Vin}/configure");
        Assert.Equal(HttpStatusCode.Accepted, returned.StatusCode);
        var intent = Assert.Single((await IntentsAsync(id)).EnumerateArray());
        Assert.Equal("succeeded", intent.GetProperty("status").GetString());
        // 3 hours at the car or van rate, no fines: what was captured is the price, not the fine reserve.
        Assert.Equal(completed.GetProperty("capturedAmount").GetProperty("amount").GetInt64(), intent.GetProperty("amount_received").GetInt64());
        Assert.True(intent.GetProperty("amount_received").GetInt64() < intent.GetProperty("amount").GetInt64());
        Assert.Contains(await _calls.NotificationsAsync(customer), sent => sent.GetProperty("template").GetString() == "RENTAL_COMPLETED");
    }

    [Fact]
    public async Task MOB_4_a_return_outside_every_zone_waits_for_ops_and_captures_nothing()
    {
        var vehicle = await _calls.FleetVehicleAsync(6);
        var (_, token) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(1);
        var id = (await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(2)))).GetProperty("id").GetString()!;
        (await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token)).Dispose();

        var returned = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token,
            new { odometerKm = 12_000.5, energyPercent = 70, photoUrls = new[] { "https://photos.example/1.jpg" }, latitude = 48.85, longitude = 2.35 }));

        Assert.Equal("ReturnPending", returned.GetProperty("status").GetString());
        Assert.Contains("vehicle left outside every return zone", returned.GetProperty("verificationIssues").EnumerateArray().Select(issue => issue.GetString()));
        Assert.Equal("requires_capture", Assert.Single((await IntentsAsync(id)).EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task MOB_5_and_PAY_3_cancelling_early_releases_the_hold_and_late_keeps_the_fee()
    {
        var vehicle = await _calls.FleetVehicleAsync(7);
        var (_, token) = await _calls.CustomerAsync();
        var early = (await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, DateTimeOffset.UtcNow.AddDays(3), DateTimeOffset.UtcNow.AddDays(3).AddHours(2))))
            .GetProperty("id").GetString()!;
        var late = (await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddHours(7))))
            .GetProperty("id").GetString()!;

        var cancelledEarly = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{early}/cancel", token));
        var cancelledLate = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{late}/cancel", token));
        using var twice = await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{late}/cancel", token);
        using var unlockCancelled = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{late}/unlock", token);

        Assert.Equal("Cancelled", cancelledEarly.GetProperty("status").GetString());
        Assert.Equal("canceled", Assert.Single((await IntentsAsync(early)).EnumerateArray()).GetProperty("status").GetString());
        var fee = Assert.Single((await IntentsAsync(late)).EnumerateArray());
        // 5 hours at the rate, 20% kept: the rest of the hold is released by the partial capture.
        Assert.Equal(("succeeded", cancelledLate.GetProperty("capturedAmount").GetProperty("amount").GetInt64()),
            (fee.GetProperty("status").GetString(), fee.GetProperty("amount_received").GetInt64()));
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        await AssertProblemAsync(unlockCancelled, HttpStatusCode.Conflict, "INVALID_STATE");
        using var again = await ReserveAsync(token, vehicle.VehicleId, DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddHours(7));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task PAY_4_and_8_a_failed_settlement_is_charged_again_and_a_bad_signature_or_a_duplicate_changes_nothing()
    {
        var (_, token) = await _calls.CustomerAsync();
        var (id, captured) = await CompletedRentalAsync(token, await _calls.FleetVehicleAsync(8));

        var failure = await _calls.SandboxPostAsync($"/sandbox/stripe/payment_intents/{captured}/fail-settlement", new { });
        var recharged = await Eventually.Until(() => IntentsAsync(id), intents => intents.EnumerateArray()
            .Any(intent => intent.GetProperty("id").GetString() != captured && intent.GetProperty("status").GetString() == "succeeded"), "a new charge");
        await _calls.SandboxPostAsync($"/sandbox/stripe/events/{failure.GetProperty("eventId").GetString()}/resend", new { });
        using var forged = new HttpRequestMessage(HttpMethod.Post, Platform.ApiHost.BaseUrl + "/webhooks/payment/settlement")
        {
            Content = new StringContent("{\"id\":\"evt_forged\",\"object\":\"event\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        forged.Headers.Add("Stripe-Signature", $"t={DateTimeOffset.UtcNow.ToUnixTimeSeconds()},v1=00");
        using var refused = await Platform.Http.SendAsync(forged);

        await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        var deliveries = await Eventually.Until(() => Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/webhooks")),
            all => all.EnumerateArray().Any(delivery => delivery.GetProperty("id").GetString() == failure.GetProperty("eventId").GetString()
                && delivery.GetProperty("statusCodes").GetArrayLength() == 2), "the resent event to be answered");
        Assert.All(deliveries.EnumerateArray().Single(delivery => delivery.GetProperty("id").GetString() == failure.GetProperty("eventId").GetString())
            .GetProperty("statusCodes").EnumerateArray(), status => Assert.Equal(200, status.GetInt32()));
        Assert.Equal(2, recharged.GetArrayLength());
        Assert.Equal("Completed", (await _calls.ReservationAsync(token, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task PAY_4_when_the_new_charges_fail_too_a_support_ticket_is_opened_and_late_or_reordered_events_change_nothing()
    {
        var (customer, token) = await _calls.CustomerAsync();
        var (id, captured) = await CompletedRentalAsync(token, await _calls.FleetVehicleAsync(12));
        var earlier = (await StripeEventsAsync(captured)).Select(sent => sent.GetProperty("id").GetString()!).ToArray();

        await FaultAsync("stripe", "down");
        JsonElement failed;
        try
        {
            var failure = await _calls.SandboxPostAsync($"/sandbox/stripe/payment_intents/{captured}/fail-settlement", new { });
            failed = await Eventually.Until(() => _calls.ReservationAsync(token, id), view => view.GetProperty("status").GetString() == "PaymentFailed",
                "the retries to run out");
            // Reordered: the authorisation and capture events arrive after the failure; the failure again, a duplicate.
            foreach (var stale in earlier.Append(failure.GetProperty("eventId").GetString()!))
            {
                await _calls.SandboxPostAsync($"/sandbox/stripe/events/{stale}/resend", new { });
            }

            await Eventually.Until(() => Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/webhooks")),
                all => earlier.All(stale => all.EnumerateArray().Any(delivery => delivery.GetProperty("id").GetString() == stale
                    && delivery.GetProperty("statusCodes").GetArrayLength() == 2)), "the reordered events to be answered");
        }
        finally
        {
            await FaultAsync("stripe", "ok");
        }

        var tickets = await fixture.Grains.GetGrain<IOpsGrain>(0).ListAsync(OpsItemKind.SupportTicket);
        var ticket = Assert.Single(tickets, item => item.FlowId == id);
        Assert.Equal(("rental", $"payment-failed/{id}", captured), (ticket.FlowKind, ticket.Id, ticket.Data["paymentIntentId"]));
        Assert.Equal("PaymentFailed", (await _calls.ReservationAsync(token, id)).GetProperty("status").GetString());
        Assert.Equal(failed.GetProperty("history").GetArrayLength(), (await _calls.ReservationAsync(token, id)).GetProperty("history").GetArrayLength());
        // The retries reached Stripe and were refused there: nothing new was authorised or taken.
        Assert.Equal(captured, Assert.Single((await IntentsAsync(id)).EnumerateArray()).GetProperty("id").GetString());
        Assert.Contains(await _calls.NotificationsAsync(customer), sent => sent.GetProperty("template").GetString() == "PAYMENT_FAILED");
    }

    [Fact]
    public async Task DEPENDENCY_UNAVAILABLE_while_Stripe_is_down_books_nothing_and_a_cancel_changes_nothing()
    {
        var vehicle = await _calls.FleetVehicleAsync(13);
        var other = await _calls.FleetVehicleAsync(14);
        var (_, token) = await _calls.CustomerAsync();
        // Near enough to be held at booking (PAY-10): the cancel has a hold at Stripe to release.
        var (from, to) = Window(days: 3, hours: 3);
        var booked = (await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, from, to))).GetProperty("id").GetString()!;

        HttpResponseMessage refused, cancel;
        await FaultAsync("stripe", "down");
        try
        {
            refused = await ReserveAsync(token, other.VehicleId, from, to);
            cancel = await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{booked}/cancel", token);
        }
        finally
        {
            await FaultAsync("stripe", "ok");
        }

        using (refused)
        using (cancel)
        {
            await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "DEPENDENCY_UNAVAILABLE");
            await AssertProblemAsync(cancel, HttpStatusCode.ServiceUnavailable, "DEPENDENCY_UNAVAILABLE");
        }

        Assert.Equal("Confirmed", (await _calls.ReservationAsync(token, booked)).GetProperty("status").GetString());
        Assert.Equal("requires_capture", Assert.Single((await IntentsAsync(booked)).EnumerateArray()).GetProperty("status").GetString());
        Assert.Empty((await Platform.Http.GetFromJsonAsync<JsonElement>(
            new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[vehicleId]={other.VehicleId}"))).EnumerateArray());
        using var later = await ReserveAsync(token, other.VehicleId, from, to);
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
    }

    [Fact]
    public async Task FLT_1_to_3_fleet_events_change_availability_never_go_backwards_and_maintenance_flags_reservations()
    {
        var vehicle = await _calls.FleetVehicleAsync(9);
        var (customer, token) = await _calls.CustomerAsync();
        var (from, to) = Window(days: 9, hours: 4);
        var reserved = (await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, from, to))).GetProperty("id").GetString();
        var now = DateTimeOffset.UtcNow;

        await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "OutOfService", occurredAt = now });
        await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "Available", occurredAt = now.AddMinutes(-5) });
        var (laterFrom, laterTo) = Window(days: 20, hours: 2);
        var whileOut = await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/available?from={Iso(laterFrom)}&to={Iso(laterTo)}", token));
        await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "Available", occurredAt = now.AddMinutes(1) });
        var maintenance = await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "MaintenanceScheduled", vin = vehicle.Vin, from = from.AddHours(1), to = to.AddHours(5), duplicate = true });
        using var blocked = await ReserveAsync(token, vehicle.VehicleId, to.AddHours(1), to.AddHours(3));

        Assert.DoesNotContain(whileOut.EnumerateArray(), item => item.GetProperty("vehicleId").GetString() == vehicle.VehicleId);
        Assert.Equal([200, 200], maintenance.GetProperty("deliveries").EnumerateArray().Select(status => status.GetInt32()));
        await AssertProblemAsync(blocked, HttpStatusCode.Conflict, "VEHICLE_UNAVAILABLE");
        var told = await Eventually.Until(() => _calls.NotificationsAsync(customer),
            sent => sent.Any(message => message.GetProperty("template").GetString() == "RESERVATION_AFFECTED_BY_MAINTENANCE"), "the customer to be told");
        Assert.Single(told, message => message.GetProperty("template").GetString() == "RESERVATION_AFFECTED_BY_MAINTENANCE"
            && message.GetProperty("data").GetProperty("reservationId").GetString() == reserved);
    }

    [Fact]
    public async Task WH_6_FLT_4_a_fleet_status_whose_webhook_was_lost_reaches_the_vehicle_from_the_fleet_list()
    {
        var vehicle = await _calls.FleetVehicleAsync(19);
        var (_, token) = await _calls.CustomerAsync();
        var now = DateTimeOffset.UtcNow;
        await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "Available", occurredAt = now.AddMinutes(-1) });
        await Eventually.Until(() => VehicleAsync(token, vehicle.Vin), view => view.GetProperty("status").GetString() == "Available", "the delivered event");

        var lost = await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "OutOfService", occurredAt = now, lost = true });
        // Any caller of the fleet list refreshes it once it is older than its freshness; a search does.
        var seen = await Eventually.Until(async () =>
        {
            (await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/available?from={Iso(now.AddDays(30))}&to={Iso(now.AddDays(30).AddHours(2))}", token)).Dispose();
            return await VehicleAsync(token, vehicle.Vin);
        }, view => view.GetProperty("status").GetString() == "OutOfService", "the fleet list to report the status");

        Assert.Empty(lost.GetProperty("deliveries").EnumerateArray());
        var move = seen.GetProperty("history").EnumerateArray().Last();
        Assert.Equal(("Available", "OutOfService", "fleet list (FLT-4)"), (move.GetProperty("from").GetString(), move.GetProperty("to").GetString(), move.GetProperty("cause").GetString()));
    }

    private async Task<JsonElement> VehicleAsync(string token, string vin) => await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/{vin}", token));

    [Fact]
    public async Task FLT_2_maintenance_scheduled_over_a_rental_under_way_alerts_ops_and_tells_the_renter_once()
    {
        // FLT_1_to_3 books this vehicle only days ahead: the next hours are free for a rental under way.
        var vehicle = await _calls.FleetVehicleAsync(9);
        var (customer, token) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(2);
        var id = (await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(3)))).GetProperty("id").GetString()!;
        (await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token)).Dispose();

        var maintenance = await _calls.SandboxPostAsync("/sandbox/fleet/events",
            new { type = "MaintenanceScheduled", vin = vehicle.Vin, from = startsAt.AddHours(1), to = startsAt.AddHours(4), duplicate = true });
        var told = await Eventually.Until(() => _calls.NotificationsAsync(customer),
            sent => sent.Any(message => message.GetProperty("template").GetString() == "RENTAL_AFFECTED_BY_MAINTENANCE"), "the renter to be told");
        var alerts = await fixture.Grains.GetGrain<IOpsGrain>(0).ListAsync(OpsItemKind.Alert);
        var rental = await _calls.ReservationAsync(token, id);

        Assert.Equal([200, 200], maintenance.GetProperty("deliveries").EnumerateArray().Select(status => status.GetInt32()));
        Assert.Single(told, message => message.GetProperty("template").GetString() == "RENTAL_AFFECTED_BY_MAINTENANCE"
            && message.GetProperty("data").GetProperty("reservationId").GetString() == id);
        Assert.Contains(alerts, alert => alert.Id == $"maintenance-conflict/{id}" && alert.Subject == "Maintenance overlaps a rental under way");
        Assert.Equal("Active", rental.GetProperty("status").GetString());
        Assert.Single(rental.GetProperty("history").EnumerateArray(), entry => entry.GetProperty("kind").GetString() == "MaintenanceFlagged");
    }

    [Fact]
    public async Task WH_1_and_2_fleet_events_with_a_bad_signature_or_a_stale_timestamp_are_refused()
    {
        var vehicle = await _calls.FleetVehicleAsync(10);
        var body = JsonSerializer.Serialize(new { eventId = "evt-x", type = "VehicleStatusChanged", vin = vehicle.Vin, occurredAt = DateTimeOffset.UtcNow, status = "OutOfService" });

        using var forged = await _calls.SendFleetAsync(body, "evt-x", DateTimeOffset.UtcNow, "whsec_" + Convert.ToBase64String("not-the-fleet-secret"u8.ToArray()));
        using var stale = await _calls.SendFleetAsync(body, "evt-x", DateTimeOffset.UtcNow.AddMinutes(-6));
        using var malformed = await _calls.SendFleetAsync("{\"type\":\"VehicleStatusChanged\"}", "evt-y", DateTimeOffset.UtcNow);

        await AssertProblemAsync(forged, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await AssertProblemAsync(stale, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await AssertProblemAsync(malformed, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        var (_, token) = await _calls.CustomerAsync();
        var (from, to) = Window(days: 2, hours: 2);
        var available = await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/available?from={Iso(from)}&to={Iso(to)}", token));
        Assert.Contains(available.EnumerateArray(), item => item.GetProperty("vehicleId").GetString() == vehicle.VehicleId);
    }

    [Fact]
    public async Task ANA_1_to_3_bookings_are_paged_for_analytics_and_exported_nightly_as_one_file_per_day()
    {
        var vehicle = await _calls.FleetVehicleAsync(11);
        var (_, token) = await _calls.CustomerAsync();
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (from, to) = Window(days: 10 + i, hours: 2);
            ids.Add((await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, from, to))).GetProperty("id").GetString()!);
        }

        var analyst = await Platform.TokenAsync("forecasting", "analytics");
        var window = $"from={Iso(started)}&to={Iso(DateTimeOffset.UtcNow.AddMinutes(1))}";
        var seen = new List<string>();
        await Eventually.Until(async () =>
        {
            seen.Clear();
            string? cursor = null;
            do
            {
                var page = await ReadAsync(await Platform.SendAsync(HttpMethod.Get,
                    $"/api/bookings/analytics?{window}&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", analyst));
                seen.AddRange(page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("reservationId").GetString()!));
                cursor = page.GetProperty("nextCursor").GetString();
            }
            while (cursor is not null);
            return ids.All(seen.Contains);
        }, "the bookings to reach the analytics projection");
        using var asCustomer = await Platform.SendAsync(HttpMethod.Get, $"/api/bookings/analytics?{window}", token);
        using var badCursor = await Platform.SendAsync(HttpMethod.Get, $"/api/bookings/analytics?{window}&cursor=%%%", analyst);
        var path = await fixture.Grains.GetGrain<IBookingExportGrain>(0).ExportDayAsync(DateOnly.FromDateTime(DateTime.UtcNow));
        var exported = (await File.ReadAllLinesAsync(path)).Select(line => JsonDocument.Parse(line).RootElement).ToArray();

        Assert.Equal(seen.Distinct().Count(), seen.Count);
        await AssertProblemAsync(asCustomer, HttpStatusCode.Forbidden, "FORBIDDEN");
        await AssertProblemAsync(badCursor, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(Path.Combine(fixture.ExportDirectory, $"bookings-{DateTime.UtcNow:yyyy-MM-dd}.ndjson"), path);
        Assert.All(ids, id => Assert.Contains(exported, line => line.GetProperty("reservationId").GetString() == id));
        Assert.All(exported, line => Assert.StartsWith("c_", line.GetProperty("customerRef").GetString(), StringComparison.Ordinal));
    }

    private static (DateTimeOffset From, DateTimeOffset To) Window(int days, int hours)
    {
        var from = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(days).AddHours(9), TimeSpan.Zero);
        return (from, from.AddHours(hours));
    }

    private static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O"));

    private Task<HttpResponseMessage> ReserveAsync(string token, string vehicleId, DateTimeOffset from, DateTimeOffset to,
        string paymentMethodId = "pm_card_visa", IReadOnlyDictionary<string, string>? headers = null) =>
        Platform.SendAsync(HttpMethod.Post, "/api/reservations", token, new { vehicleId, startsAt = from, endsAt = to, paymentMethodId }, headers);

    /// <summary>A one-hour rental from a minute from now, unlocked, returned in good order and captured.</summary>
    /// <returns>the rental's id and its captured PaymentIntent.</returns>
    private async Task<(string Id, string PaymentIntent)> CompletedRentalAsync(string token, (string VehicleId, string Vin) vehicle)
    {
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(1);
        var id = (await ReadAsync(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(1)))).GetProperty("id").GetString()!;
        (await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token)).Dispose();
        (await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, GoodProof)).Dispose();
        await Eventually.Until(() => _calls.ReservationAsync(token, id), view => view.GetProperty("status").GetString() == "Completed", "the rental to complete");
        return (id, Assert.Single((await IntentsAsync(id)).EnumerateArray()).GetProperty("id").GetString()!);
    }

    private async Task<JsonElement> IntentsAsync(string reservationId) =>
        await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[reservationId]={reservationId}"));

    private async Task<JsonElement[]> StripeEventsAsync(string paymentIntent) =>
        (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/events?payment_intent={paymentIntent}"))).EnumerateArray().ToArray();

    private async Task FaultAsync(string system, string mode, string? customerId = null)
    {
        using var response = await Platform.Http.PostAsJsonAsync(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/faults"), new { system, mode, customerId });
        response.EnsureSuccessStatusCode();
    }
}
