using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.ApiClient;
using CaaS.ApiClient.Models;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using static CaaS.Integration.Tests.Support.ApiClients;
using static CaaS.Integration.Tests.Support.CaaSCalls;

namespace CaaS.Integration.Tests;

/// <summary>
/// The rental journeys end to end over HTTP: the mobile calls, the webhooks and analytics, against the real API
/// host, a silo and the sandbox, checking money where it is held (the sandbox's Stripe), not only
/// the platform's own view of it. Each test takes its own vehicle and customers. The API host's
/// routes are called through the client generated from docs/openapi.json; webhooks are sent as
/// their senders sign them, byte for byte.
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

        var available = await AvailableAsync(token, from, to);
        var created = await ReserveAsync(token, vehicle.VehicleId, from, to);
        var reservation = Succeeded(created);
        var id = reservation.Id!;
        var own = await AnswerAsync(() => As(token).Api.Reservations[id].GetAsync());
        var (_, otherToken) = await _calls.CustomerAsync();
        var other = await AnswerAsync(() => As(otherToken).Api.Reservations[id].GetAsync());
        var anonymous = await AnswerAsync(() => As(null).Api.Reservations[id].GetAsync());
        var intents = await IntentsAsync(id);

        Assert.Contains(available, item => item.VehicleId == vehicle.VehicleId);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal($"/api/reservations/{id}", created.Location?.ToString());
        Assert.Equal("Confirmed", reservation.Status);
        Assert.Equal(customer, reservation.CustomerId);
        Assert.Equal((HttpStatusCode.OK, id), (own.Status, own.Value?.Id));
        AssertProblem(other, HttpStatusCode.NotFound, "NOT_FOUND");
        AssertProblem(anonymous, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        var intent = Assert.Single(intents.EnumerateArray());
        Assert.Equal("requires_capture", intent.GetProperty("status").GetString());
        Assert.Equal(reservation.AuthorizedAmount!.Amount, intent.GetProperty("amount").GetInt64());
        var notified = await Eventually.Until(() => _calls.NotificationsAsync(customer), sent => sent.Any(), "the confirmation to be sent");
        Assert.Equal("RESERVATION_CONFIRMED", notified[0].GetProperty("template").GetString());
        var (from2, to2) = (from.AddHours(1), to.AddHours(1));
        Assert.DoesNotContain(await AvailableAsync(token, from2, to2), item => item.VehicleId == vehicle.VehicleId);
    }

    [Fact]
    public async Task MOB_6_of_concurrent_requests_for_overlapping_time_exactly_one_wins_and_only_it_holds_money()
    {
        var vehicle = await _calls.FleetVehicleAsync(1);
        var (from, to) = Window(days: 4, hours: 6);
        var customers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _calls.CustomerAsync()));

        var answers = await Task.WhenAll(customers.Select((customer, i) =>
            ReserveAsync(customer.Token, vehicle.VehicleId, from.AddMinutes(i * 10), to.AddMinutes(i * 10))));

        Assert.Single(answers, answer => answer.Status == HttpStatusCode.Created);
        foreach (var refused in answers.Where(answer => answer.Status != HttpStatusCode.Created))
        {
            AssertProblem(refused, HttpStatusCode.Conflict, "VEHICLE_UNAVAILABLE");
        }

        var winner = answers.Single(answer => answer.Status == HttpStatusCode.Created).Value!;
        var held = (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[vehicleId]={vehicle.VehicleId}")))
            .EnumerateArray().Where(intent => intent.GetProperty("status").GetString() == "requires_capture"
                && DateTimeOffset.FromUnixTimeSeconds(intent.GetProperty("created").GetInt64()) > DateTimeOffset.UtcNow.AddMinutes(-5)).ToArray();
        Assert.Equal(winner.Id, Assert.Single(held).GetProperty("metadata").GetProperty("reservationId").GetString());
    }

    [Fact]
    public async Task PAY_5_a_declined_card_is_PAYMENT_DECLINED_and_releases_the_timeslot()
    {
        var vehicle = await _calls.FleetVehicleAsync(2);
        var (from, to) = Window(days: 5, hours: 2);
        var (_, token) = await _calls.CustomerAsync();

        var declined = await ReserveAsync(token, vehicle.VehicleId, from, to, paymentMethodId: "pm_card_chargeDeclined");
        var next = await ReserveAsync(token, vehicle.VehicleId, from, to);

        AssertProblem(declined, (HttpStatusCode)402, "PAYMENT_DECLINED");
        Assert.Equal(HttpStatusCode.Created, next.Status);
    }

    [Fact]
    public async Task An_Idempotency_Key_replays_the_first_answer_and_refuses_a_different_request()
    {
        var vehicle = await _calls.FleetVehicleAsync(3);
        var (from, to) = Window(days: 6, hours: 3);
        var (_, token) = await _calls.CustomerAsync();
        var key = "mobile-" + Guid.NewGuid().ToString("N");

        var first = Succeeded(await ReserveAsync(token, vehicle.VehicleId, from, to, idempotencyKey: key));
        var again = Succeeded(await ReserveAsync(token, vehicle.VehicleId, from, to, idempotencyKey: key));
        var different = await ReserveAsync(token, vehicle.VehicleId, from, to.AddHours(1), idempotencyKey: key);

        Assert.Equal(first.Id, again.Id);
        Assert.Single((await IntentsAsync(first.Id!)).EnumerateArray());
        AssertProblem(different, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");
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

        var kyc = await ReserveAsync(pending, vehicle.VehicleId, from, to);
        var credit = await ReserveAsync(lowCredit, vehicle.VehicleId, from, to);
        await FaultAsync("customer", "down", customerId: unknown);
        var unverifiable = await ReserveAsync(unknownToken, vehicle.VehicleId, from, to);
        await FaultAsync("customer", "ok", customerId: unknown);
        var invalid = await ReserveAsync(unknownToken, vehicle.VehicleId, to, from);
        var missing = await ReserveAsync(unknownToken, "veh-999", from, to);
        var tooLong = await ReserveAsync(unknownToken, vehicle.VehicleId, from, from.AddDays(45));

        AssertProblem(kyc, HttpStatusCode.UnprocessableEntity, "CUSTOMER_NOT_ELIGIBLE");
        AssertProblem(credit, HttpStatusCode.UnprocessableEntity, "CUSTOMER_NOT_ELIGIBLE");
        AssertProblem(unverifiable, HttpStatusCode.ServiceUnavailable, "CUSTOMER_VERIFICATION_UNAVAILABLE");
        AssertProblem(invalid, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.NotNull(invalid.Problem!.Errors);
        AssertProblem(missing, HttpStatusCode.NotFound, "NOT_FOUND");
        AssertProblem(tooLong, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        var free = await ReserveAsync(unknownToken, vehicle.VehicleId, from, to);
        Assert.Equal(HttpStatusCode.Created, free.Status);
    }

    [Fact]
    public async Task MOB_3_4_and_PAY_2_unlock_within_the_window_return_verify_and_capture_the_final_amount()
    {
        var vehicle = await _calls.FleetVehicleAsync(5);
        var (customer, token) = await _calls.CustomerAsync();
        var (_, stranger) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(2);
        var id = Succeeded(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(3))).Id!;
        var later = Succeeded(await ReserveAsync(token, vehicle.VehicleId, startsAt.AddDays(3), startsAt.AddDays(3).AddHours(2)));

        var notMine = await AnswerAsync(() => As(stranger).Api.Rentals[id].Unlock.PostAsync());
        var tooEarly = await AnswerAsync(() => As(token).Api.Rentals[later.Id!].Unlock.PostAsync());
        var returnedFirst = await ReturnAsync(token, id, GoodReturn);
        var unlocked = await AnswerAsync(() => As(token).Api.Rentals[id].Unlock.PostAsync());
        var returned = await ReturnAsync(token, id, GoodReturn);
        var completed = await Eventually.Until(() => ReservationAsync(token, id), view => view.Status == "Completed", "the rental to complete");

        AssertProblem(notMine, HttpStatusCode.NotFound, "NOT_FOUND");
        AssertProblem(tooEarly, HttpStatusCode.Conflict, "INVALID_STATE");
        AssertProblem(returnedFirst, HttpStatusCode.Conflict, "INVALID_STATE");
        Assert.Equal(HttpStatusCode.Accepted, unlocked.Status);
        Assert.False(string.IsNullOrEmpty(unlocked.Value!.CommandId));
        Assert.Contains(await _calls.SandboxRequestsAsync("iot"), request => request.GetProperty("path").GetString() == $"/api/iot/vehicles/{vehicle.Vin}/configure");
        Assert.Equal(HttpStatusCode.Accepted, returned.Status);
        var intent = Assert.Single((await IntentsAsync(id)).EnumerateArray());
        Assert.Equal("succeeded", intent.GetProperty("status").GetString());
        // 3 hours at the car or van rate, no fines: what was captured is the price, not the fine reserve.
        Assert.Equal(completed.CapturedAmount!.Amount, intent.GetProperty("amount_received").GetInt64());
        Assert.True(intent.GetProperty("amount_received").GetInt64() < intent.GetProperty("amount").GetInt64());
        Assert.Contains(await _calls.NotificationsAsync(customer), sent => sent.GetProperty("template").GetString() == "RENTAL_COMPLETED");
    }

    [Fact]
    public async Task MOB_4_and_7_a_car_outside_every_zone_waits_for_ops_and_captures_nothing_whatever_the_customer_claims()
    {
        var vehicle = await _calls.FleetVehicleAsync(6);
        var (_, token) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(1);
        var id = Succeeded(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(2))).Id!;
        await As(token).Api.Rentals[id].Unlock.PostAsync();
        // The car reports itself in Paris; the customer says Madrid (GoodReturn).
        await _calls.CarReportsAsync(vehicle.Vin, latitude: 48.85, longitude: 2.35);
        ReservationResponse returned;
        try
        {
            returned = Succeeded(await ReturnAsync(token, id, GoodReturn));
        }
        finally
        {
            await _calls.CarReportsItsOwnAsync(vehicle.Vin);
        }

        Assert.Equal("ReturnPending", returned.Status);
        Assert.Equal(["vehicle left outside every return zone"], returned.VerificationIssues!);
        Assert.Contains("claimed a position 1052", returned.History!.Last().Cause, StringComparison.Ordinal);
        // The LOCK is confirmed all the same; the capture waits for ops.
        var locked = await Eventually.Until(() => ReservationAsync(token, id), view => view.History!.Any(entry => entry.Kind == CaaS.ApiClient.Models.FlowEntryKind.VehicleLocked),
            "the car to confirm the lock");
        Assert.Equal("ReturnPending", locked.Status);
        Assert.Equal("requires_capture", Assert.Single((await IntentsAsync(id)).EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task MOB_7_a_return_whose_claimed_energy_contradicts_the_telemetry_is_judged_by_the_telemetry_and_completes_once_the_car_confirms_the_lock()
    {
        var vehicle = await _calls.FleetVehicleAsync(20);
        var (_, token) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(1);
        var id = Succeeded(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(2))).Id!;
        using (var unlocked = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token))
        {
            Assert.Equal(HttpStatusCode.Accepted, unlocked.StatusCode);
        }

        // The customer claims 64% (GoodProof); the car itself reports 4%.
        await _calls.CarReportsAsync(vehicle.Vin, energyPercent: 4);
        JsonElement returned, completed;
        try
        {
            returned = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, GoodProof));
            completed = await Eventually.Until(() => _calls.ReservationAsync(token, id), view => view.GetProperty("status").GetString() == "Completed",
                "the rental to complete once the car confirms the lock");
        }
        finally
        {
            await _calls.CarReportsItsOwnAsync(vehicle.Vin);
        }

        Assert.Empty(returned.GetProperty("verificationIssues").EnumerateArray());
        var fine = Assert.Single(completed.GetProperty("fines").EnumerateArray());
        Assert.Equal(("returned with 4% fuel or charge", 3_000L), (fine.GetProperty("reason").GetString(), fine.GetProperty("amount").GetProperty("amount").GetInt64()));
        var history = completed.GetProperty("history").EnumerateArray().ToArray();
        var returnEntry = Assert.Single(history, entry => entry.GetProperty("to").GetString() == "ReturnPending" && entry.GetProperty("kind").GetString() == "Moved");
        Assert.Contains("claimed 64% fuel or charge, the vehicle reports 4%", returnEntry.GetProperty("cause").GetString(), StringComparison.Ordinal);
        // IOT-9: the LOCK went out at return and the car's confirmation came before the completion.
        var lockedAt = Array.FindIndex(history, entry => entry.GetProperty("kind").GetString() == "VehicleLocked");
        Assert.InRange(lockedAt, Array.IndexOf(history, returnEntry) + 1, Array.FindIndex(history, entry => entry.GetProperty("to").GetString() == "Completed") - 1);
        var accepted = (await _calls.SandboxRequestsAsync("iot")).Where(request => request.GetProperty("method").GetString() == "POST"
            && request.GetProperty("path").GetString() == $"/api/iot/vehicles/{vehicle.Vin}/configure" && request.GetProperty("status").GetInt32() == 202);
        Assert.Equal(2, accepted.Count());
        // What was captured is the price and the fine the car's energy earned.
        var intent = Assert.Single((await IntentsAsync(id)).EnumerateArray());
        Assert.Equal(completed.GetProperty("capturedAmount").GetProperty("amount").GetInt64(), intent.GetProperty("amount_received").GetInt64());
    }

    [Fact]
    public async Task IOT_9_an_unlock_while_the_IoT_breaker_is_open_is_refused_with_Retry_After_and_never_reaches_the_car_later()
    {
        var vehicle = await _calls.FleetVehicleAsync(21);
        var (_, token) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(2);
        var id = Succeeded(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(2))).Id!;
        var iot = fixture.Grains.GetGrain<IIotAdapterGrain>(0);
        var fleet = (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles")))
            .EnumerateArray().Select(item => item.GetProperty("vin").GetString()!).ToArray();
        var metrics = new Uri(Platform.Silos[0].HttpUrl + "/metrics");

        HttpResponseMessage refused;
        double? queuedMeanwhile;
        await FaultAsync("iot", "down");
        try
        {
            // API IoT down for every car: status requests on the commands' path fail until the breaker stops sending them.
            var asked = 0;
            await Eventually.Until(async () =>
            {
                try
                {
                    await iot.GetStatusAsync(fleet[asked++ % fleet.Length]);
                    return false;
                }
                catch (DependencyUnavailableException unavailable)
                {
                    return unavailable.CircuitOpen;
                }
            }, "the IoT command breaker to open", TimeSpan.FromSeconds(30));
            refused = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token);
            queuedMeanwhile = Prometheus.ValueOf(await Platform.Http.GetStringAsync(metrics), "integration_queue_depth", "iot");
        }
        finally
        {
            await FaultAsync("iot", "ok");
        }

        using (refused)
        {
            await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "DEPENDENCY_UNAVAILABLE");
            Assert.InRange(refused.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        }

        Assert.Equal(0, queuedMeanwhile);
        Assert.Equal("Confirmed", (await _calls.ReservationAsync(token, id)).GetProperty("status").GetString());

        // Once the break is over the first request through closes the breaker; a queued UNLOCK would have gone out with the drain then.
        await Eventually.Until(async () =>
        {
            try
            {
                await iot.GetStatusAsync(fleet[0]);
                return true;
            }
            catch (DependencyUnavailableException)
            {
                return false;
            }
        }, "the IoT command breaker to close", TimeSpan.FromSeconds(90));
        Assert.Equal(0, Prometheus.ValueOf(await Platform.Http.GetStringAsync(metrics), "integration_queue_depth", "iot"));
        bool ReachedTheCar(JsonElement request) => request.GetProperty("path").GetString() == $"/api/iot/vehicles/{vehicle.Vin}/configure"
            && request.GetProperty("status").GetInt32() == 202;
        Assert.DoesNotContain(await _calls.SandboxRequestsAsync("iot"), ReachedTheCar);
        Assert.Equal("Confirmed", (await _calls.ReservationAsync(token, id)).GetProperty("status").GetString());

        // Asked again, it goes at once, and only then does the rental start.
        using var again = await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("Active", (await _calls.ReservationAsync(token, id)).GetProperty("status").GetString());
        Assert.Single(await _calls.SandboxRequestsAsync("iot"), ReachedTheCar);
    }

    [Fact]
    public async Task MOB_5_and_PAY_3_cancelling_early_releases_the_hold_and_late_keeps_the_fee()
    {
        var vehicle = await _calls.FleetVehicleAsync(7);
        var (_, token) = await _calls.CustomerAsync();
        var early = Succeeded(await ReserveAsync(token, vehicle.VehicleId, DateTimeOffset.UtcNow.AddDays(3), DateTimeOffset.UtcNow.AddDays(3).AddHours(2))).Id!;
        var late = Succeeded(await ReserveAsync(token, vehicle.VehicleId, DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddHours(7))).Id!;

        var cancelledEarly = (await As(token).Api.Reservations[early].Cancel.PostAsync())!;
        var cancelledLate = (await As(token).Api.Reservations[late].Cancel.PostAsync())!;
        var twice = await AnswerAsync(() => As(token).Api.Reservations[late].Cancel.PostAsync());
        var unlockCancelled = await AnswerAsync(() => As(token).Api.Rentals[late].Unlock.PostAsync());

        Assert.Equal("Cancelled", cancelledEarly.Status);
        Assert.Equal("canceled", Assert.Single((await IntentsAsync(early)).EnumerateArray()).GetProperty("status").GetString());
        var fee = Assert.Single((await IntentsAsync(late)).EnumerateArray());
        // 5 hours at the rate, 20% kept: the rest of the hold is released by the partial capture.
        Assert.Equal(("succeeded", cancelledLate.CapturedAmount!.Amount),
            (fee.GetProperty("status").GetString(), (long?)fee.GetProperty("amount_received").GetInt64()));
        Assert.Equal(HttpStatusCode.OK, twice.Status);
        AssertProblem(unlockCancelled, HttpStatusCode.Conflict, "INVALID_STATE");
        var again = await ReserveAsync(token, vehicle.VehicleId, DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddHours(7));
        Assert.Equal(HttpStatusCode.Created, again.Status);
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
        Assert.Equal("Completed", (await ReservationAsync(token, id)).Status);
    }

    [Fact]
    public async Task PAY_4_when_the_new_charges_fail_too_a_support_ticket_is_opened_and_late_or_reordered_events_change_nothing()
    {
        var (customer, token) = await _calls.CustomerAsync();
        var (id, captured) = await CompletedRentalAsync(token, await _calls.FleetVehicleAsync(12));
        var earlier = (await StripeEventsAsync(captured)).Select(sent => sent.GetProperty("id").GetString()!).ToArray();

        await FaultAsync("stripe", "down");
        ReservationResponse failed;
        try
        {
            var failure = await _calls.SandboxPostAsync($"/sandbox/stripe/payment_intents/{captured}/fail-settlement", new { });
            failed = await Eventually.Until(() => ReservationAsync(token, id), view => view.Status == "PaymentFailed", "the retries to run out");
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
        var after = await ReservationAsync(token, id);
        Assert.Equal(("PaymentFailed", failed.History!.Count), (after.Status, after.History!.Count));
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
        var booked = Succeeded(await ReserveAsync(token, vehicle.VehicleId, from, to)).Id!;

        Answer<ReservationResponse> refused, cancel;
        await FaultAsync("stripe", "down");
        try
        {
            refused = await ReserveAsync(token, other.VehicleId, from, to);
            cancel = await AnswerAsync(() => As(token).Api.Reservations[booked].Cancel.PostAsync());
        }
        finally
        {
            await FaultAsync("stripe", "ok");
        }

        AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "DEPENDENCY_UNAVAILABLE");
        AssertProblem(cancel, HttpStatusCode.ServiceUnavailable, "DEPENDENCY_UNAVAILABLE");
        Assert.Equal("Confirmed", (await ReservationAsync(token, booked)).Status);
        Assert.Equal("requires_capture", Assert.Single((await IntentsAsync(booked)).EnumerateArray()).GetProperty("status").GetString());
        Assert.Empty((await Platform.Http.GetFromJsonAsync<JsonElement>(
            new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[vehicleId]={other.VehicleId}"))).EnumerateArray());
        var later = await ReserveAsync(token, other.VehicleId, from, to);
        Assert.Equal(HttpStatusCode.Created, later.Status);
    }

    [Fact]
    public async Task FLT_1_to_3_fleet_events_change_availability_never_go_backwards_and_maintenance_flags_reservations()
    {
        var vehicle = await _calls.FleetVehicleAsync(9);
        var (customer, token) = await _calls.CustomerAsync();
        var (from, to) = Window(days: 9, hours: 4);
        var reserved = Succeeded(await ReserveAsync(token, vehicle.VehicleId, from, to)).Id;
        var now = DateTimeOffset.UtcNow;

        await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "OutOfService", occurredAt = now });
        await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "Available", occurredAt = now.AddMinutes(-5) });
        var (laterFrom, laterTo) = Window(days: 20, hours: 2);
        var whileOut = await AvailableAsync(token, laterFrom, laterTo);
        await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "Available", occurredAt = now.AddMinutes(1) });
        var maintenance = await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "MaintenanceScheduled", vin = vehicle.Vin, from = from.AddHours(1), to = to.AddHours(5), duplicate = true });
        var blocked = await ReserveAsync(token, vehicle.VehicleId, to.AddHours(1), to.AddHours(3));

        Assert.DoesNotContain(whileOut, item => item.VehicleId == vehicle.VehicleId);
        Assert.Equal([200, 200], maintenance.GetProperty("deliveries").EnumerateArray().Select(status => status.GetInt32()));
        AssertProblem(blocked, HttpStatusCode.Conflict, "VEHICLE_UNAVAILABLE");
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
        await Eventually.Until(() => VehicleAsync(token, vehicle.Vin), view => view.Status == "Available", "the delivered event");

        var lost = await _calls.SandboxPostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin = vehicle.Vin, status = "OutOfService", occurredAt = now, lost = true });
        // Any caller of the fleet list refreshes it once it is older than its freshness; a search does.
        var seen = await Eventually.Until(async () =>
        {
            await AvailableAsync(token, now.AddDays(30), now.AddDays(30).AddHours(2));
            return await VehicleAsync(token, vehicle.Vin);
        }, view => view.Status == "OutOfService", "the fleet list to report the status");

        Assert.Empty(lost.GetProperty("deliveries").EnumerateArray());
        var move = seen.History!.Last();
        Assert.Equal(("Available", "OutOfService", "fleet list (FLT-4)"), (move.From, move.To, move.Cause));
    }

    private async Task<VehicleView> VehicleAsync(string token, string vin) => (await As(token).Api.Vehicles[vin].GetAsync())!;

    [Fact]
    public async Task FLT_2_maintenance_scheduled_over_a_rental_under_way_alerts_ops_and_tells_the_renter_once()
    {
        // FLT_1_to_3 books this vehicle only days ahead: the next hours are free for a rental under way.
        var vehicle = await _calls.FleetVehicleAsync(9);
        var (customer, token) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(2);
        var id = Succeeded(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(3))).Id!;
        await As(token).Api.Rentals[id].Unlock.PostAsync();

        var maintenance = await _calls.SandboxPostAsync("/sandbox/fleet/events",
            new { type = "MaintenanceScheduled", vin = vehicle.Vin, from = startsAt.AddHours(1), to = startsAt.AddHours(4), duplicate = true });
        var told = await Eventually.Until(() => _calls.NotificationsAsync(customer),
            sent => sent.Any(message => message.GetProperty("template").GetString() == "RENTAL_AFFECTED_BY_MAINTENANCE"), "the renter to be told");
        var alerts = await fixture.Grains.GetGrain<IOpsGrain>(0).ListAsync(OpsItemKind.Alert);
        var rental = await ReservationAsync(token, id);

        Assert.Equal([200, 200], maintenance.GetProperty("deliveries").EnumerateArray().Select(status => status.GetInt32()));
        Assert.Single(told, message => message.GetProperty("template").GetString() == "RENTAL_AFFECTED_BY_MAINTENANCE"
            && message.GetProperty("data").GetProperty("reservationId").GetString() == id);
        Assert.Contains(alerts, alert => alert.Id == $"maintenance-conflict/{id}" && alert.Subject == "Maintenance overlaps a rental under way");
        Assert.Equal("Active", rental.Status);
        Assert.Single(rental.History!, entry => entry.Kind == FlowEntryKind.MaintenanceFlagged);
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
        Assert.Contains(await AvailableAsync(token, from, to), item => item.VehicleId == vehicle.VehicleId);
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
            ids.Add(Succeeded(await ReserveAsync(token, vehicle.VehicleId, from, to)).Id!);
        }

        var analyst = await Platform.TokenAsync("forecasting", "analytics");
        var until = DateTimeOffset.UtcNow.AddMinutes(1);
        Task<AnalyticsPage?> PageAsync(string asWho, string? cursor, int? limit) => As(asWho).Api.Bookings.Analytics.GetAsync(request =>
        {
            (request.QueryParameters.From, request.QueryParameters.To) = (started, until);
            (request.QueryParameters.Cursor, request.QueryParameters.Limit) = (cursor, limit);
        });
        var seen = new List<string>();
        await Eventually.Until(async () =>
        {
            seen.Clear();
            string? cursor = null;
            do
            {
                var page = (await PageAsync(analyst, cursor, 2))!;
                seen.AddRange(page.Items!.Select(item => item.ReservationId!));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return ids.All(seen.Contains);
        }, "the bookings to reach the analytics projection");
        var asCustomer = await AnswerAsync(() => PageAsync(token, null, null));
        var badCursor = await AnswerAsync(() => PageAsync(analyst, "%%%", null));
        var path = await fixture.Grains.GetGrain<IBookingExportGrain>(0).ExportDayAsync(DateOnly.FromDateTime(DateTime.UtcNow));
        var exported = (await File.ReadAllLinesAsync(path)).Select(line => JsonDocument.Parse(line).RootElement).ToArray();

        Assert.Equal(seen.Distinct().Count(), seen.Count);
        AssertProblem(asCustomer, HttpStatusCode.Forbidden, "FORBIDDEN");
        AssertProblem(badCursor, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(Path.Combine(fixture.ExportDirectory, $"bookings-{DateTime.UtcNow:yyyy-MM-dd}.ndjson"), path);
        Assert.All(ids, id => Assert.Contains(exported, line => line.GetProperty("reservationId").GetString() == id));
        Assert.All(exported, line => Assert.StartsWith("c_", line.GetProperty("customerRef").GetString(), StringComparison.Ordinal));
    }

    private static (DateTimeOffset From, DateTimeOffset To) Window(int days, int hours)
    {
        var from = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(days).AddHours(9), TimeSpan.Zero);
        return (from, from.AddHours(hours));
    }

    private CaaSApiClient As(string? token) => Of(Platform).As(token);

    /// <summary><see cref="CaaSCalls.GoodProof"/> as the generated client sends it.</summary>
    private static ReturnRequest GoodReturn => new()
    {
        OdometerKm = 23_456.7, EnergyPercent = 64, PhotoUrls = ["https://photos.example/front.jpg"], Latitude = 40.4168, Longitude = -3.7038,
    };

    private async Task<List<AvailableVehicle>> AvailableAsync(string token, DateTimeOffset from, DateTimeOffset to) =>
        (await As(token).Api.Vehicles.Available.GetAsync(request => (request.QueryParameters.From, request.QueryParameters.To) = (from, to)))!;

    private Task<Answer<ReservationResponse>> ReserveAsync(string token, string vehicleId, DateTimeOffset from, DateTimeOffset to,
        string paymentMethodId = "pm_card_visa", string? idempotencyKey = null) =>
        AnswerAsync(() => As(token).Api.Reservations.PostAsync(
            new ReservationRequest { VehicleId = vehicleId, StartsAt = from, EndsAt = to, PaymentMethodId = paymentMethodId },
            request =>
            {
                if (idempotencyKey is not null)
                {
                    request.Headers.Add("Idempotency-Key", idempotencyKey);
                }
            }));

    private Task<Answer<ReservationResponse>> ReturnAsync(string token, string id, ReturnRequest proof) =>
        AnswerAsync(() => As(token).Api.Rentals[id].Return.PostAsync(proof));

    private async Task<ReservationResponse> ReservationAsync(string token, string id) => (await As(token).Api.Reservations[id].GetAsync())!;

    /// <summary>A one-hour rental from a minute from now, unlocked, returned in good order and captured.</summary>
    /// <returns>the rental's id and its captured PaymentIntent.</returns>
    private async Task<(string Id, string PaymentIntent)> CompletedRentalAsync(string token, (string VehicleId, string Vin) vehicle)
    {
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(1);
        var id = Succeeded(await ReserveAsync(token, vehicle.VehicleId, startsAt, startsAt.AddHours(1))).Id!;
        await As(token).Api.Rentals[id].Unlock.PostAsync();
        await As(token).Api.Rentals[id].Return.PostAsync(GoodReturn);
        await Eventually.Until(() => ReservationAsync(token, id), view => view.Status == "Completed", "the rental to complete");
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
