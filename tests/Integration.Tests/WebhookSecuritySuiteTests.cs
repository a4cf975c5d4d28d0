using System.Net;
using System.Text.Json;
using CaaS.Integration.Tests.Support;

namespace CaaS.Integration.Tests;

/// <summary>
/// TST-4, WH-1..4, SEC-4 (the security suite's webhook half): each of the three webhook
/// sources refuses a wrong signature, a timestamp more than five minutes old or ahead, and answers a
/// replayed message id as a duplicate; every refusal is a problem with a stable code and changes
/// nothing. Each message used would change something visible (an order's status, a vehicle's status,
/// money at Stripe), and the same message id is then accepted once, so the checks can fail.
/// WH-5 over HTTP is WebhookRateLimitTests; bodies that are not valid are the bad-input suite's.
/// A platform of its own: the settlement failure it signs is a lie Stripe never told, so the money
/// it moves would stand in the revenue report the shared platform's ADM-4 test checks against Stripe.
/// </summary>
public sealed class WebhookSecuritySuiteTests(CaaSPlatformFixture fixture) : IClassFixture<CaaSPlatformFixture>
{
    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    /// <summary>
    /// One source as the suite drives it: Send delivers the message with that id, time and secret;
    /// SendOther delivers a different message under the same id, one that would have an effect of its
    /// own; Effect is what the platform shows of the message's effect.
    /// </summary>
    private sealed record Source(string Name, string WrongSecret, Func<string, DateTimeOffset, string?, Task<HttpResponseMessage>> Send,
        Func<string, Task<HttpResponseMessage>> SendOther, Func<Task<string>> Effect);

    [Fact]
    public async Task WH_1_2_3_Factory_status_refused_when_forged_stale_or_ahead_and_a_replayed_id_is_a_duplicate_without_effect()
    {
        var (_, token) = await Calls.CustomerAsync();
        var placed = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("PT")));
        var (orderId, factoryId) = (placed.GetProperty("orderId").GetString()!, placed.GetProperty("factoryOrderId").GetString()!);
        string Body(string status, DateTimeOffset at) => JsonSerializer.Serialize(new
        {
            orderId = factoryId, reference = orderId, status, occurredAt = at, estimatedCompletionDate = at.AddDays(40),
        });

        await SuiteAsync(new Source("factory", WrongSecret("factory"),
            (id, at, secret) => Calls.SendFactoryAsync(Body("MANUFACTURING", at), id, at, secret ?? CaaSCalls.FactorySecret),
            id => Calls.SendFactoryAsync(Body("DELAYED", DateTimeOffset.UtcNow.AddSeconds(1)), id, DateTimeOffset.UtcNow),
            async () => History(await Calls.OrderAsync(token, orderId))));
    }

    [Fact]
    public async Task WH_1_2_3_fleet_events_refused_when_forged_stale_or_ahead_and_a_replayed_id_is_a_duplicate_without_effect()
    {
        var (vehicleId, vin) = await Calls.FleetVehicleAsync(18);
        var (_, token) = await Calls.CustomerAsync();
        var sentAt = DateTimeOffset.UtcNow;
        string Body(string id, string status, DateTimeOffset occurredAt) =>
            JsonSerializer.Serialize(new { eventId = id, type = "VehicleStatusChanged", vin, occurredAt, status });
        // What a customer sees of the vehicle's status: whether it can be booked (FLT-1).
        async Task<string> StatusAsync() => await Calls.IsBookableAsync(token, vehicleId) ? "Available" : "not bookable";

        try
        {
            await SuiteAsync(new Source("fleet", WrongSecret("fleet"),
                (id, at, secret) => Calls.SendFleetAsync(Body(id, "OutOfService", sentAt), id, at, secret ?? CaaSCalls.FleetSecret),
                // Newer than the accepted one: it would put the vehicle back if the id were not remembered.
                id => Calls.SendFleetAsync(Body(id, "Available", sentAt.AddSeconds(1)), id, DateTimeOffset.UtcNow),
                StatusAsync));
        }
        finally
        {
            // The shared fleet gets its vehicle back, with an event of its own (a new id, newer still).
            var restore = "evt-restore-" + Guid.NewGuid().ToString("N")[..8];
            using var restored = await Calls.SendFleetAsync(Body(restore, "Available", sentAt.AddSeconds(2)), restore, DateTimeOffset.UtcNow);
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        }

        Assert.Equal("Available", await StatusAsync());
    }

    [Fact]
    public async Task WH_1_2_3_PAY_8_Stripe_events_refused_when_forged_stale_or_ahead_and_a_replayed_id_is_a_duplicate_without_effect()
    {
        var (_, token) = await Calls.CustomerAsync();
        var (rental, captured) = await Calls.CompletedRentalAsync(token, (await Calls.FleetVehicleAsync(9)).VehicleId);
        var metadata = new Dictionary<string, string> { ["reservationId"] = rental };
        async Task<string> MoneyAsync() => string.Join(",", (await Calls.StripeIntentsAsync("reservationId", rental))
            .Select(intent => $"{intent.GetProperty("id").GetString()}:{intent.GetProperty("status").GetString()}:{intent.GetProperty("amount_received").GetInt64()}"));

        // A failed settlement of the captured payment: accepted, the platform charges again (PAY-4), a new PaymentIntent.
        await SuiteAsync(new Source("stripe", "whsec_not_the_stripe_secret",
            (id, at, secret) => Calls.SendStripeAsync(CaaSCalls.StripeEvent(id, "payment_intent.payment_failed", captured, metadata, at), at, secret ?? CaaSCalls.StripeSecret),
            // The same event id about the new charge: it would be charged again if the id were not remembered.
            async id => await Calls.SendStripeAsync(CaaSCalls.StripeEvent(id, "payment_intent.payment_failed",
                (await Calls.StripeIntentsAsync("reservationId", rental)).Last().GetProperty("id").GetString()!, metadata, DateTimeOffset.UtcNow), DateTimeOffset.UtcNow),
            MoneyAsync));
    }

    /// <summary>
    /// SEC-4, issue 18 point 2: a sender streaming its body gives no length, so the guard reads it from
    /// the request's pipe and stops at the limit (256 KiB) instead of trusting a header; within the
    /// limit the same webhook is applied as a measured one is.
    /// </summary>
    [Fact]
    public async Task SEC_4_a_webhook_sent_without_a_length_is_applied_within_the_limit_and_refused_beyond_it()
    {
        var (_, token) = await Calls.CustomerAsync();
        var placed = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("PT")));
        var (orderId, factoryId) = (placed.GetProperty("orderId").GetString()!, placed.GetProperty("factoryOrderId").GetString()!);
        string Body(string padding) => JsonSerializer.Serialize(new
        {
            orderId = factoryId, reference = orderId, status = "MANUFACTURING", occurredAt = DateTimeOffset.UtcNow,
            estimatedCompletionDate = DateTimeOffset.UtcNow.AddDays(40), note = padding,
        });
        Task<HttpResponseMessage> SendAsync(string body, string id) =>
            Platform.SendStandardWebhookAsync("/webhooks/factory/status", body, id, DateTimeOffset.UtcNow, CaaSCalls.FactorySecret, withoutLength: true);
        var before = History(await Calls.OrderAsync(token, orderId));

        using var oversized = await SendAsync(Body(new string('x', 256 * 1024)), $"factory-big-{Guid.NewGuid():N}"[..32]);
        await CaaSCalls.AssertProblemAsync(oversized, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(before, History(await Calls.OrderAsync(token, orderId)));

        using var accepted = await SendAsync(Body(new string('x', 1000)), $"factory-chunk-{Guid.NewGuid():N}"[..32]);
        Assert.Equal("processed", (await CaaSCalls.ReadAsync(accepted)).GetProperty("status").GetString());
        Assert.NotEqual(before, History(await Calls.OrderAsync(token, orderId)));
    }

    private async Task SuiteAsync(Source source)
    {
        var id = $"{source.Name}-sec-{Guid.NewGuid():N}"[..32];
        var now = DateTimeOffset.UtcNow;
        var before = await source.Effect();

        using var forged = await source.Send(id, now, source.WrongSecret);
        using var stale = await source.Send(id, now.AddMinutes(-6), null);
        using var ahead = await source.Send(id, now.AddMinutes(6), null);
        var afterRefusals = await source.Effect();
        using var accepted = await source.Send(id, DateTimeOffset.UtcNow, null);
        var afterAccepted = await source.Effect();
        using var replayed = await source.SendOther(id);
        var afterReplay = await source.Effect();

        var cases = new (string Case, HttpResponseMessage Response)[] { ("bad signature", forged), ("stale timestamp", stale), ("future timestamp", ahead) };
        foreach (var (name, response) in cases)
        {
            await CaaSCalls.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        }

        Assert.Equal(before, afterRefusals);
        // Accepted under the very id the refusals carried: none of them was recorded in the inbox (WH-3 would have called it a duplicate).
        Assert.Equal("processed", (await CaaSCalls.ReadAsync(accepted)).GetProperty("status").GetString());
        Assert.NotEqual(before, afterAccepted);
        Assert.Equal("duplicate", (await CaaSCalls.ReadAsync(replayed)).GetProperty("status").GetString());
        Assert.Equal(afterAccepted, afterReplay);

        ReliabilityResults.Record("security.json", $"webhooks.{source.Name}", new
        {
            source = source.Name,
            refused = cases.ToDictionary(item => item.Case, item => $"{(int)item.Response.StatusCode} UNAUTHENTICATED"),
            replay = "200 duplicate, no second effect",
            stateChangesByRefusals = 0,
        });
    }

    private static string WrongSecret(string source) => "whsec_" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"not-the-{source}-secret"));

    private static string History(JsonElement flow) =>
        flow.GetProperty("status").GetString() + ": " + string.Join(",", flow.GetProperty("history").EnumerateArray().Select(move => move.GetProperty("to").GetString()));
}

/// <summary>
/// WH-4: a source whose allow-list leaves out the sender's address is refused with
/// 403 FORBIDDEN before its body is read, however well signed, and nothing changes. Its own platform,
/// because the allow-list (10.0.0.0/8 for all three sources) shuts out loopback, where the tests send from.
/// </summary>
public sealed class WebhookAllowListTests : IAsyncLifetime
{
    private Platform _platform = null!;

    private CaaSCalls Calls => new(_platform);

    public async Task InitializeAsync() => _platform = await Platform.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Webhooks__Sources__stripe__AllowedNetworks__0"] = "10.0.0.0/8",
        ["Webhooks__Sources__fleet__AllowedNetworks__0"] = "10.0.0.0/8",
        ["Webhooks__Sources__factory__AllowedNetworks__0"] = "10.0.0.0/8",
    });

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    [Fact]
    public async Task WH_4_a_source_outside_its_allow_list_is_FORBIDDEN_and_changes_nothing()
    {
        var (_, token) = await Calls.CustomerAsync();
        var placed = await CaaSCalls.ReadAsync(await _platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("ES")));
        var orderId = placed.GetProperty("orderId").GetString()!;
        var (vehicleId, vin) = await Calls.FleetVehicleAsync(0);
        var (rental, captured) = await Calls.CompletedRentalAsync(token, (await Calls.FleetVehicleAsync(1)).VehicleId);
        async Task<string> StateAsync() => string.Join("\n",
            (await Calls.OrderAsync(token, orderId)).GetProperty("history").ToString(),
            await Calls.IsBookableAsync(token, vehicleId),
            string.Join(",", (await Calls.StripeIntentsAsync("reservationId", rental)).Select(intent => intent.GetProperty("id").GetString())));
        var before = await StateAsync();
        var now = DateTimeOffset.UtcNow;

        // Each signed right and fresh: on an allowed address each would change something (an order's status, a vehicle's, a new charge).
        using var factory = await Calls.SendFactoryAsync(JsonSerializer.Serialize(new
        {
            orderId = placed.GetProperty("factoryOrderId").GetString(), reference = orderId, status = "MANUFACTURING", occurredAt = now,
        }), "msg-allow-list", now);
        using var fleet = await Calls.SendFleetAsync(JsonSerializer.Serialize(new { eventId = "evt-allow-list", type = "VehicleStatusChanged", vin, occurredAt = now, status = "OutOfService" }),
            "evt-allow-list", now);
        using var stripe = await Calls.SendStripeAsync(CaaSCalls.StripeEvent("evt_allow_list", "payment_intent.payment_failed", captured,
            new Dictionary<string, string> { ["reservationId"] = rental }, now), now);

        await CaaSCalls.AssertProblemAsync(factory, HttpStatusCode.Forbidden, "FORBIDDEN");
        await CaaSCalls.AssertProblemAsync(fleet, HttpStatusCode.Forbidden, "FORBIDDEN");
        await CaaSCalls.AssertProblemAsync(stripe, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal(before, await StateAsync());
        Assert.Equal("Placed", (await Calls.OrderAsync(token, orderId)).GetProperty("status").GetString());
        ReliabilityResults.Record("security.json", "webhooks.allowList", new
        {
            allowedNetworks = "10.0.0.0/8 for stripe, fleet and factory; sent from loopback",
            refused = new Dictionary<string, string> { ["stripe"] = "403 FORBIDDEN", ["fleet"] = "403 FORBIDDEN", ["factory"] = "403 FORBIDDEN" },
            stateChanges = 0,
        });
    }
}
