using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.ApiClient;
using CaaS.ApiClient.Models;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Services;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using static CaaS.Integration.Tests.Support.ApiClients;

namespace CaaS.Integration.Tests;

/// <summary>
/// The CaaS journeys end to end over HTTP (TST-3's two CaaS paths and every failure branch): factory orders
/// to delivery, and vehicle services to activation, against the API host, a silo and the sandbox,
/// with money checked where Stripe holds it. Timings are shortened so retries run in seconds. The API
/// host's routes are called through the client generated from docs/openapi.json; webhooks are sent
/// as their senders sign them.
/// </summary>
[Collection(CaaSPlatformCollection.Name)]
public sealed class CaaSJourneyTests(CaaSPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    [Fact]
    public async Task TST_3_an_order_is_built_registered_and_delivered_with_each_status_told_and_late_webhooks_harmless()
    {
        var (customer, token) = await Calls.CustomerAsync();
        var ops = await Platform.TokenAsync("ops-1", "ops");

        var placedAnswer = await PlaceAsync(token, "ES");
        var placed = Succeeded(placedAnswer);
        var id = placed.OrderId!;
        var factoryId = placed.FactoryOrderId!;
        var tooEarly = await DeliverAsync(ops, id);
        await Calls.AdvanceAsync(factoryId, new { status = "MANUFACTURING" });
        await Calls.AdvanceAsync(factoryId, new { status = "DELAYED", estimatedCompletionDate = DateTimeOffset.UtcNow.AddDays(60) });
        var ready = await Calls.AdvanceAsync(factoryId, new { status = "READY", duplicate = true });
        var vin = ready.GetProperty("vin").GetString()!;
        var registered = await Eventually.Until(() => OrderAsync(token, id), order => order.Status == "Registered", "the registration");
        // A late MANUFACTURING, delivered twice, after READY: never backwards.
        var late = await Calls.AdvanceAsync(factoryId, new { status = "MANUFACTURING", duplicate = true });
        var delivered = await DeliverAsync(ops, id);
        var deliveredAgain = await DeliverAsync(ops, id);
        var byCustomer = await DeliverAsync(token, id);
        var (_, stranger) = await Calls.CustomerAsync();
        var notTheirs = await AnswerAsync(() => As(stranger).Api.Orders[id].GetAsync());
        var vehicle = (await As(token).Api.Vehicles[vin].GetAsync())!;
        var final = await OrderAsync(token, id);

        Assert.Equal(HttpStatusCode.Created, placedAnswer.Status);
        Assert.Equal($"/api/orders/{id}", placedAnswer.Location?.ToString());
        Assert.Equal("Placed", placed.Status);
        Assert.NotNull(placed.EstimatedCompletionDate);
        AssertProblem(tooEarly, HttpStatusCode.Conflict, "INVALID_STATE");
        Assert.Equal([200, 200], ready.GetProperty("deliveries").EnumerateArray().Select(status => status.GetInt32()));
        Assert.Equal([200, 200], late.GetProperty("deliveries").EnumerateArray().Select(status => status.GetInt32()));
        Assert.Equal(vin, registered.Vin);
        Assert.StartsWith("ES-", registered.Registration!.PlateNumber, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, delivered.Status);
        Assert.Equal(HttpStatusCode.OK, deliveredAgain.Status);
        AssertProblem(byCustomer, HttpStatusCode.Forbidden, "FORBIDDEN");
        AssertProblem(notTheirs, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal("Delivered", final.Status);
        Assert.Equal(["None>Placing", "Placing>Placed", "Placed>Manufacturing", "Manufacturing>Delayed", "Delayed>Ready", "Ready>Registered", "Registered>Delivered"],
            final.History!.Select(move => $"{move.From}>{move.To}"));
        Assert.All(final.History!.Select((move, index) => (move, index)), entry =>
            Assert.Equal((ApiClient.Models.FlowEntryKind.Moved, (long?)(entry.index + 1L)), (entry.move.Kind, entry.move.Sequence)));
        Assert.Equal(customer, vehicle.OwnerId);
        var told = await Eventually.Until(() => Calls.NotificationsAsync(customer), sent => sent.Length >= 5, "every notification to be sent");
        Assert.Equal(["STATUS_UPDATE/email", "DELAY_ALERT/email", "VEHICLE_READY/email", "VEHICLE_READY/push", "VEHICLE_DELIVERED/email"],
            told.Select(message => $"{message.GetProperty("template").GetString()}/{message.GetProperty("channel").GetString()}"));
    }

    [Fact]
    public async Task FAC_1_a_failed_placement_alerts_ops_is_not_retried_and_a_human_retry_places_it_once()
    {
        var (_, token) = await Calls.CustomerAsync();
        await Calls.FaultAsync(new { system = "factory", mode = "down" });
        OrderResponse failed;
        int placementsWhileDown;
        try
        {
            failed = Succeeded(await PlaceAsync(token, "DE"));
            placementsWhileDown = (await Calls.SandboxRequestsAsync("factory")).Count(request => request.GetProperty("method").GetString() == "POST"
                && request.GetProperty("status").GetInt32() == 503);
        }
        finally
        {
            await Calls.FaultAsync(new { system = "factory", mode = "ok" });
        }

        var id = failed.OrderId!;
        var alerts = await fixture.Grains.GetGrain<IOpsGrain>(0).ListAsync(OpsItemKind.Alert);
        var retried = await fixture.Grains.GetGrain<IFactoryOrderGrain>(id).RetryAsync(new TransitionCause("factory is back", "ops-1"));
        var again = await fixture.Grains.GetGrain<IFactoryOrderGrain>(id).RetryAsync(new TransitionCause("clicked twice", "ops-1")).ContinueWith(task => task.Exception?.InnerException);

        Assert.Equal("PlacementFailed", failed.Status);
        Assert.Equal(1, placementsWhileDown);
        Assert.Contains(alerts, alert => alert.Id == $"factory-placement/{id}" && alert.FlowId == id);
        Assert.Equal(FactoryOrderStatus.Placed, retried.Status);
        Assert.Equal("ops-1", retried.History[^2].Actor);
        Assert.Equal(ErrorCodes.InvalidState, Assert.IsType<DomainException>(again).Code);
    }

    [Fact]
    public async Task FAC_2_and_WH_1_2_factory_webhooks_with_a_bad_signature_a_stale_timestamp_or_a_bad_body_are_refused_and_change_nothing()
    {
        var (_, token) = await Calls.CustomerAsync();
        var placed = Succeeded(await PlaceAsync(token, "IT"));
        var id = placed.OrderId!;
        var body = JsonSerializer.Serialize(new { orderId = placed.FactoryOrderId, reference = id, status = "MANUFACTURING", occurredAt = DateTimeOffset.UtcNow });

        using var forged = await Calls.SendFactoryAsync(body, "msg-forged", DateTimeOffset.UtcNow, "whsec_" + Convert.ToBase64String("not-the-factory-secret"u8.ToArray()));
        using var stale = await Calls.SendFactoryAsync(body, "msg-stale", DateTimeOffset.UtcNow.AddMinutes(-6), CaaSCalls.FactorySecret);
        using var future = await Calls.SendFactoryAsync(body, "msg-future", DateTimeOffset.UtcNow.AddMinutes(6), CaaSCalls.FactorySecret);
        using var readyWithoutVin = await Calls.SendFactoryAsync(body.Replace("MANUFACTURING", "READY", StringComparison.Ordinal), "msg-novin", DateTimeOffset.UtcNow, CaaSCalls.FactorySecret);
        using var accepted = await Calls.SendFactoryAsync(body, "msg-ok", DateTimeOffset.UtcNow, CaaSCalls.FactorySecret);
        using var duplicate = await Calls.SendFactoryAsync(body, "msg-ok", DateTimeOffset.UtcNow, CaaSCalls.FactorySecret);

        await CaaSCalls.AssertProblemAsync(forged, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await CaaSCalls.AssertProblemAsync(stale, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await CaaSCalls.AssertProblemAsync(future, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await CaaSCalls.AssertProblemAsync(readyWithoutVin, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (accepted.StatusCode, duplicate.StatusCode));
        Assert.Contains("duplicate", await duplicate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var order = await OrderAsync(token, id);
        Assert.Equal("Manufacturing", order.Status);
        Assert.Single(order.History!, move => move.To == "Manufacturing");
    }


    [Fact]
    public async Task FAC_4_an_order_whose_webhook_was_lost_is_polled_after_the_silence()
    {
        var (_, token) = await Calls.CustomerAsync();
        var placed = Succeeded(await PlaceAsync(token, "FR"));

        var lost = await Calls.AdvanceAsync(placed.FactoryOrderId!, new { status = "MANUFACTURING", deliver = false });
        var polled = await Eventually.Until(() => OrderAsync(token, placed.OrderId!), order => order.Status == "Manufacturing", "the poll to find the change");

        Assert.Empty(lost.GetProperty("deliveries").EnumerateArray());
        Assert.Contains("(poll)", polled.History!.Last().Cause, StringComparison.Ordinal);
        Assert.Contains(await Calls.SandboxRequestsAsync("factory"), request => request.GetProperty("method").GetString() == "GET"
            && request.GetProperty("path").GetString()!.EndsWith(placed.FactoryOrderId!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task REG_1_and_2_a_registration_that_fails_blocks_delivery_and_alerts_ops()
    {
        var (_, token) = await Calls.CustomerAsync();
        var ops = await Platform.TokenAsync("ops-1", "ops");
        // No registration body serves GB in the sandbox: the registration is refused.
        var placed = Succeeded(await PlaceAsync(token, "GB"));
        var id = placed.OrderId!;

        await Calls.AdvanceAsync(placed.FactoryOrderId!, new { status = "READY" });
        var failed = await Eventually.Until(() => OrderAsync(token, id), order => order.Status == "RegistrationFailed", "the registration to fail");
        var delivery = await DeliverAsync(ops, id);

        AssertProblem(delivery, HttpStatusCode.Conflict, "INVALID_STATE");
        Assert.False(string.IsNullOrEmpty(failed.LastError));
        Assert.Contains(await fixture.Grains.GetGrain<IOpsGrain>(0).ListAsync(OpsItemKind.Alert), alert => alert.Id == $"registration/{id}");
        var vehicle = await AnswerAsync(() => As(token).Api.Vehicles[failed.Vin!].GetAsync());
        Assert.Null(vehicle.Value?.OwnerId);
    }

    [Fact]
    public async Task TST_3_a_service_is_activated_over_the_air_then_captured_and_its_settlement_confirmed_or_raised_as_a_risk()
    {
        var (customer, token) = await Calls.CustomerAsync();
        var vin = await DeliveredVehicleAsync(token);

        var started = await BuyAsync(token, vin, "ENHANCED_POWER");
        var purchase = Succeeded(started);
        var id = purchase.PurchaseId!;
        var active = await Eventually.Until(() => PurchaseAsync(token, id), view => view.Status == "Active" && view.Settlement == "confirmed",
            "the activation and its settlement");
        var intent = Assert.Single((await Calls.IntentsAsync(id)).EnumerateArray());
        var (_, stranger) = await Calls.CustomerAsync();
        var notTheirs = await AnswerAsync(() => As(stranger).Api.ServicePurchases[id].GetAsync());
        var notTheirVehicle = await BuyAsync(stranger, vin, "ENHANCED_POWER");

        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        Assert.Equal("Activating", purchase.Status);
        Assert.False(purchase.Charged);
        Assert.True(active.Charged);
        Assert.Equal(1, active.Attempts);
        Assert.Equal(("succeeded", 4_900L), (intent.GetProperty("status").GetString(), intent.GetProperty("amount_received").GetInt64()));
        Assert.Contains(await Calls.SandboxRequestsAsync("iot"), request => request.GetProperty("path").GetString() == $"/api/iot/vehicles/{vin}/configure");
        AssertProblem(notTheirs, HttpStatusCode.NotFound, "NOT_FOUND");
        AssertProblem(notTheirVehicle, HttpStatusCode.NotFound, "NOT_FOUND");

        // A late or repeated verdict from the OTA grain changes nothing (IOT-4, PAY-9).
        await fixture.Grains.GetGrain<IServicePurchaseGrain>(id).OnActivationFinishedAsync(new OtaOutcome("ota-" + id, Activated: false, 9, "late duplicate"));
        await fixture.Grains.GetGrain<IServicePurchaseGrain>(id).OnActivationFinishedAsync(new OtaOutcome("ota-" + id, Activated: true, 1, null));
        var afterVerdicts = await PurchaseAsync(token, id);
        Assert.Equal(("Active", (bool?)true), (afterVerdicts.Status, afterVerdicts.Charged));
        Assert.Single((await Calls.IntentsAsync(id)).EnumerateArray());

        await Calls.SandboxPostAsync($"/sandbox/stripe/payment_intents/{intent.GetProperty("id").GetString()}/fail-settlement");
        var risky = await Eventually.Until(() => PurchaseAsync(token, id), view => view.Settlement == "failed", "the settlement failure");
        Assert.Equal("Active", risky.Status);
        Assert.Contains(await fixture.Grains.GetGrain<IOpsGrain>(0).ListAsync(OpsItemKind.RiskItem), item => item.Id == $"settlement-failed/{id}");
        var told = await Eventually.Until(() => Calls.NotificationsAsync(customer), sent => sent.Any(message => message.GetProperty("template").GetString() == "PAYMENT_FAILED"),
            "the customer to be told");
        Assert.Contains(told, message => message.GetProperty("template").GetString() == "SERVICE_ACTIVATED");
    }

    [Fact]
    public async Task IOT_4_an_activation_that_fails_every_attempt_is_never_charged_and_opens_a_ticket()
    {
        var (customer, token) = await Calls.CustomerAsync();
        var vin = await DeliveredVehicleAsync(token);
        await Calls.SandboxPostAsync("/sandbox/iot/behavior", new { vin, outcome = "fail", delayMs = 200 });

        var id = Succeeded(await BuyAsync(token, vin, "HEATED_SEATS")).PurchaseId!;
        var failed = await Eventually.Until(() => PurchaseAsync(token, id), view => view.Status == "Failed", "the retries to run out");
        var intents = await Eventually.Until(() => Calls.IntentsAsync(id), found => found.EnumerateArray().All(intent => intent.GetProperty("status").GetString() == "canceled"),
            "the authorisation to be voided");

        // Ota__MaxRetries is 2 here: the first attempt and two retries.
        Assert.Equal(3, failed.Attempts);
        Assert.False(failed.Charged);
        Assert.Equal(3, (await Calls.SandboxRequestsAsync("iot")).Count(request => request.GetProperty("path").GetString() == $"/api/iot/vehicles/{vin}/configure"));
        Assert.Equal(0, Assert.Single(intents.EnumerateArray()).GetProperty("amount_received").GetInt64());
        Assert.Contains(await fixture.Grains.GetGrain<IOpsGrain>(0).ListAsync(OpsItemKind.SupportTicket), ticket => ticket.Id == $"ota-failed/{id}");
        await Eventually.Until(() => Calls.NotificationsAsync(customer), sent => sent.Any(message => message.GetProperty("template").GetString() == "SERVICE_ACTIVATION_FAILED"),
            "the customer to be told");
    }

    [Fact]
    public async Task VSS_2_and_5_overdue_maintenance_or_VSS_down_without_a_fresh_cache_blocks_and_a_fresh_cache_answers()
    {
        var (_, token) = await Calls.CustomerAsync();
        var overdue = (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles")))
            .EnumerateArray().Single(vehicle => vehicle.GetProperty("maintenanceOverdue").GetBoolean()).GetProperty("vin").GetString()!;
        await DeliveredVehicleAsync(token, overdue);
        var cached = await DeliveredVehicleAsync(token);
        var uncached = await DeliveredVehicleAsync(token);
        var first = Succeeded(await BuyAsync(token, cached, "AUTOPARK")).PurchaseId!;

        var blocked = await BuyAsync(token, overdue, "AUTOPARK");
        await Calls.FaultAsync(new { system = "vss", mode = "down", vin = cached });
        await Calls.FaultAsync(new { system = "vss", mode = "down", vin = uncached });
        Answer<PurchaseResponse>[] whileDown;
        try
        {
            // The uncached one waits out VSS's retries (5, 10 and 20 s); the cached one answers from the cache at once.
            whileDown = await Task.WhenAll(BuyAsync(token, cached, "HEATED_SEATS"), BuyAsync(token, uncached, "HEATED_SEATS"));
        }
        finally
        {
            await Calls.FaultAsync(new { system = "vss", mode = "ok", vin = cached });
            await Calls.FaultAsync(new { system = "vss", mode = "ok", vin = uncached });
        }

        AssertProblem(blocked, HttpStatusCode.UnprocessableEntity, "MAINTENANCE_REQUIRED");
        Assert.Equal(HttpStatusCode.Accepted, whileDown[0].Status);
        AssertProblem(whileDown[1], HttpStatusCode.ServiceUnavailable, "DEPENDENCY_UNAVAILABLE");
        Assert.Contains("VSS cache", whileDown[0].Value!.History!.Last().Cause, StringComparison.Ordinal);
        Assert.Empty((await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[vin]={overdue}"))).EnumerateArray());
        Assert.Empty((await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[vin]={uncached}"))).EnumerateArray());
        Assert.NotEmpty((await Calls.IntentsAsync(first)).EnumerateArray());
    }

    [Fact]
    public async Task Bad_orders_and_purchases_are_refused_with_a_problem_and_change_nothing()
    {
        var (_, token) = await Calls.CustomerAsync();
        var vin = await DeliveredVehicleAsync(token);

        var noSpec = await AnswerAsync(() => As(token).Api.Orders.PostAsync(new OrderRequest()));
        var badCountry = await PlaceAsync(token, "Spain");
        var unknownService = await BuyAsync(token, vin, "TIME_TRAVEL");
        var badVin = await BuyAsync(token, "NOT-A-VIN", "AUTOPARK");
        var declined = await BuyAsync(token, vin, "AUTOPARK", "pm_card_chargeDeclined");
        var anonymous = await AnswerAsync(() => As(null).Api.Orders.PostAsync(Spec("ES")));

        AssertProblem(noSpec, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        AssertProblem(badCountry, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("vehicleSpec.country", badCountry.Problem!.Errors!.AdditionalData.Keys);
        AssertProblem(unknownService, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        AssertProblem(badVin, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        AssertProblem(declined, (HttpStatusCode)402, "PAYMENT_DECLINED");
        AssertProblem(anonymous, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.DoesNotContain(await Calls.SandboxRequestsAsync("iot"), request => request.GetProperty("path").GetString() == $"/api/iot/vehicles/{vin}/configure");
    }

    private CaaSApiClient As(string? token) => Of(Platform).As(token);

    private static OrderRequest Spec(string country) => new() { VehicleSpec = new SpecRequest { Model = "ID.4", Trim = "Pro", Color = "Moonstone Grey", Country = country } };

    private Task<Answer<OrderResponse>> PlaceAsync(string token, string country) => AnswerAsync(() => As(token).Api.Orders.PostAsync(Spec(country)));

    private async Task<OrderResponse> OrderAsync(string token, string id) => (await As(token).Api.Orders[id].GetAsync())!;

    private Task<Answer<OrderResponse>> DeliverAsync(string token, string id) => AnswerAsync(() => As(token).Api.Orders[id].Delivery.PostAsync());

    private Task<Answer<PurchaseResponse>> BuyAsync(string token, string vin, string serviceCode, string paymentMethodId = "pm_card_visa") =>
        AnswerAsync(() => As(token).Api.Vehicles[vin].Services.PostAsync(new PurchaseRequest { ServiceCode = serviceCode, PaymentMethodId = paymentMethodId }));

    private async Task<PurchaseResponse> PurchaseAsync(string token, string id) => (await As(token).Api.ServicePurchases[id].GetAsync())!;

    /// <summary>Ordered, built (with this VIN, if given), registered and handed over by ops: the customer's own car.</summary>
    private async Task<string> DeliveredVehicleAsync(string token, string? vin = null)
    {
        var placed = Succeeded(await PlaceAsync(token, "ES"));
        var ready = await Calls.AdvanceAsync(placed.FactoryOrderId!, new { status = "READY", vin });
        await Eventually.Until(() => OrderAsync(token, placed.OrderId!), order => order.Status == "Registered", "the registration");
        Succeeded(await DeliverAsync(await Platform.TokenAsync("ops-1", "ops"), placed.OrderId!));
        return ready.GetProperty("vin").GetString()!;
    }
}

/// <summary>The embedded platform with the CaaS journeys' timings shortened, and a cluster client for what ops do.</summary>
public sealed class CaaSPlatformFixture : EmbeddedPlatformFixture
{
    public static readonly IReadOnlyDictionary<string, string?> ShortTimings = new Dictionary<string, string?>
    {
        ["Ota__MaxRetries"] = "2",
        ["Ota__RetryInterval"] = "00:00:01",
        ["Ota__AttemptTimeout"] = "00:00:04",
        ["Ota__PollInterval"] = "00:00:00.200",
        ["Ota__WatchdogPeriod"] = "00:00:02",
        ["Orders__PollAfter"] = "00:00:03",
        ["Orders__GuardPeriod"] = "00:00:02",
        ["Services__GuardPeriod"] = "00:00:02",
        ["Reminders__MinimumReminderPeriod"] = "00:00:01",
        // A void's second look comes within the suites' waits (PAY-9).
        ["Flows__VoidRecheckAfter"] = "00:00:15",
        // WH-6: a lost Stripe webhook is fetched within seconds (StripeEventRecoveryTests).
        ["Payments__EventRecovery__CheckEvery"] = "00:00:01",
        ["Payments__EventRecovery__QuietAfter"] = "00:00:03",
        // Stripe renders events in the account's API version, which need not be Stripe.net's.
        ["Sandbox__Stripe__AccountApiVersion"] = "2024-06-20",
        // PAY-11: a refused capture is tried three times a few seconds apart, then handed to ops (FineChargeTests).
        ["Rentals__GuardPeriod"] = "00:00:02",
        ["Rentals__CaptureRetries"] = "3",
        ["Rentals__CaptureRetryDelay"] = "00:00:01",
    };

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(ShortTimings)
    {
        // MOB-7: every return asks API IoT at once, so a car's telemetry a test just set is what judges it.
        ["Rentals__ReturnTelemetryStaleAfter"] = "00:00:00",
    };
}

[CollectionDefinition(Name)]
public sealed class CaaSPlatformCollection : ICollectionFixture<CaaSPlatformFixture>
{
    public const string Name = "caas platform";
}
