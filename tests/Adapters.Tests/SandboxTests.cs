using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Iot;
using CaaS.Grains.Integration.Payments;
using CaaS.Hosting;
using CaaS.TestSupport;
using Stripe;

namespace CaaS.Adapters.Tests;

/// <summary>
/// The sandbox as a product: it sends what the real systems send, signed as
/// they sign it, and its control API injects faults and behaviours exactly as the contract says.
/// Signatures are checked with the platform's verifier and with Stripe.net, never with the sandbox's code.
/// </summary>
public sealed class SandboxTests(WebhookSandboxFixture sandbox) : SandboxTest<WebhookSandboxFixture>(sandbox), IClassFixture<WebhookSandboxFixture>
{
    [Fact]
    public async Task FAC_2_status_webhooks_are_Standard_Webhooks_and_a_duplicate_repeats_the_message_id()
    {
        var placed = await Harness.Get<CaaS.Grains.Integration.Factory.FactoryClient>()
            .PlaceAsync("order-" + Guid.NewGuid().ToString("N")[..8], new VehicleSpec("ID.4", "Pro", "Blue", "ES"));

        var advanced = await Sandbox.PostAsync($"/sandbox/factory/orders/{placed.FactoryOrderId}/advance", new { status = "READY", duplicate = true });
        var received = await Sandbox.Receiver.ReceivedUntilAsync(hook => hook.Body.Contains(placed.FactoryOrderId, StringComparison.Ordinal), 2, "two factory webhooks");

        Assert.Equal([200, 200], advanced.GetProperty("deliveries").EnumerateArray().Select(status => status.GetInt32()));
        Assert.All(received, hook => Assert.Equal("/webhooks/factory/status", hook.Path));
        Assert.All(received, hook => Assert.Equal(SignatureCheck.Valid, Verify(SandboxSecrets.FactorySecret, hook)));
        Assert.Equal(received[0].Header("webhook-id"), received[1].Header("webhook-id"));
        var body = JsonDocument.Parse(received[0].Body).RootElement;
        Assert.Equal(("READY", advanced.GetProperty("vin").GetString()), (body.GetProperty("status").GetString(), body.GetProperty("vin").GetString()));
        Assert.True(Vin.IsValid(body.GetProperty("vin").GetString()));
        var polled = await Harness.Get<CaaS.Grains.Integration.Factory.FactoryClient>().GetAsync(placed.FactoryOrderId);
        Assert.Equal(("READY", body.GetProperty("vin").GetString()), (polled.Status, polled.Vin));
    }

    [Fact]
    public async Task FLT_1_and_2_fleet_events_are_signed_with_the_fleet_secret_and_change_what_the_fleet_reports()
    {
        var vin = (await Sandbox.FleetAsync())[3].Vin;
        var eventId = "evt-" + Guid.NewGuid().ToString("N")[..8];

        await Sandbox.PostAsync("/sandbox/fleet/events", new { eventId, type = "VehicleStatusChanged", vin, status = "Maintenance" });
        await Sandbox.PostAsync("/sandbox/fleet/events", new
        {
            type = "MaintenanceScheduled", vin, from = DateTimeOffset.UtcNow.AddDays(1), to = DateTimeOffset.UtcNow.AddDays(2),
        });
        var received = await Sandbox.Receiver.ReceivedUntilAsync(hook => hook.Path == "/events/fleet" && hook.Body.Contains(vin, StringComparison.Ordinal), 2, "two fleet events");
        var reported = await Harness.Get<CaaS.Grains.Integration.Fleet.FleetClient>().GetAsync(vin);

        Assert.All(received, hook => Assert.Equal(SignatureCheck.Valid, Verify(SandboxSecrets.FleetSecret, hook)));
        Assert.Equal(SignatureCheck.BadSignature, Verify(SandboxSecrets.FactorySecret, received[0]));
        Assert.Equal(eventId, received[0].Header("webhook-id"));
        Assert.Equal("MaintenanceScheduled", JsonDocument.Parse(received[1].Body).RootElement.GetProperty("type").GetString());
        Assert.Equal(VehicleStatus.Maintenance, reported!.Status);
        await Sandbox.PostAsync("/sandbox/fleet/events", new { type = "VehicleStatusChanged", vin, status = "Available" });
    }

    [Fact]
    public async Task PAY_8_Stripe_events_verify_with_Stripe_net_and_a_refused_event_is_sent_again_1_then_5_seconds_later()
    {
        var reservation = "res-" + Guid.NewGuid().ToString("N")[..8];
        var stripe = Harness.Get<StripePaymentClient>();
        var held = await stripe.AuthorizeAsync(new AuthorizePayment($"{reservation}/authorize", Money.Eur(4_200), "pm_card_visa", "cust-1", "rental",
            new Dictionary<string, string> { ["reservationId"] = reservation }));
        var authorised = await StripeEventAsync(held.PaymentIntentId, "payment_intent.amount_capturable_updated");

        Sandbox.Receiver.AnswerNext(500, 503);
        await stripe.CaptureAsync(held.PaymentIntentId, Money.Eur(4_000), $"{reservation}/capture");
        var succeeded = await StripeEventAsync(held.PaymentIntentId, "payment_intent.succeeded");
        var deliveries = await Eventually.Until(() => Sandbox.GetAsync("/sandbox/webhooks"),
            all => all.EnumerateArray().Any(delivery => delivery.GetProperty("id").GetString() == succeeded.Id
                && delivery.GetProperty("statusCodes").GetArrayLength() == 3), "three deliveries of the capture event");

        Assert.Equal("2024-06-20", authorised.ApiVersion);
        Assert.NotEqual(StripeConfiguration.ApiVersion, authorised.ApiVersion);
        Assert.Equal(4_200, ((PaymentIntent)authorised.Data.Object).AmountCapturable);
        Assert.Equal(4_000, ((PaymentIntent)succeeded.Data.Object).AmountReceived);
        var statuses = deliveries.EnumerateArray().Single(delivery => delivery.GetProperty("id").GetString() == succeeded.Id).GetProperty("statusCodes");
        Assert.Equal([500, 503, 200], statuses.EnumerateArray().Select(status => status.GetInt32()));
        var attempts = Sandbox.Receiver.Received.Where(hook => hook.Body.Contains(succeeded.Id, StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, attempts.Length);
    }

    [Fact]
    public async Task PAY_6_a_late_settlement_failure_and_a_resent_event_reach_the_platform()
    {
        var reservation = "res-" + Guid.NewGuid().ToString("N")[..8];
        var stripe = Harness.Get<StripePaymentClient>();
        var held = await stripe.AuthorizeAsync(new AuthorizePayment($"{reservation}/authorize", Money.Eur(990), "pm_card_visa", "cust-1", "service",
            new Dictionary<string, string> { ["purchaseId"] = reservation }));
        var notCaptured = await Sandbox.Http.PostAsync(new Uri($"{Sandbox.BaseUrl}/sandbox/stripe/payment_intents/{held.PaymentIntentId}/fail-settlement"), null);
        await stripe.CaptureAsync(held.PaymentIntentId, Money.Eur(990), $"{reservation}/capture");

        var failure = await Sandbox.PostAsync($"/sandbox/stripe/payment_intents/{held.PaymentIntentId}/fail-settlement", new { });
        var failed = await StripeEventAsync(held.PaymentIntentId, "payment_intent.payment_failed");
        await Sandbox.PostAsync($"/sandbox/stripe/events/{failed.Id}/resend", new { });
        await Sandbox.Receiver.ReceivedUntilAsync(hook => hook.Body.Contains(failed.Id, StringComparison.Ordinal), 2, "the resent event");
        var inspected = await Sandbox.GetAsync($"/sandbox/stripe/payment_intents?metadata[purchaseId]={reservation}");

        Assert.Equal(HttpStatusCode.BadRequest, notCaptured.StatusCode);
        Assert.Equal(failed.Id, failure.GetProperty("eventId").GetString());
        Assert.Equal("requires_payment_method", inspected[0].GetProperty("status").GetString());
        Assert.Equal(0, inspected[0].GetProperty("refunds").GetArrayLength());
    }

    [Fact]
    public async Task Stripe_refuses_an_idempotency_key_reused_with_other_parameters_and_replays_it_with_the_same()
    {
        var client = new StripeClient(SandboxSecrets.StripeSecretKey, apiBase: Sandbox.BaseUrl);
        var options = new PaymentIntentCreateOptions { Amount = 1_000, Currency = "eur", CaptureMethod = "manual", Confirm = true, PaymentMethod = "pm_card_visa" };
        var key = new RequestOptions { IdempotencyKey = "key-" + Guid.NewGuid().ToString("N") };
        var before = (await Sandbox.GetAsync("/sandbox/stripe/payment_intents")).GetArrayLength();

        var first = await client.V1.PaymentIntents.CreateAsync(options, key);
        var replayed = await client.V1.PaymentIntents.CreateAsync(options, key);
        options.Amount = 2_000;
        var refused = await Assert.ThrowsAsync<StripeException>(() => client.V1.PaymentIntents.CreateAsync(options, key));

        Assert.Equal(first.Id, replayed.Id);
        Assert.Equal("idempotency_error", refused.StripeError.Type);
        Assert.Equal(before + 1, (await Sandbox.GetAsync("/sandbox/stripe/payment_intents")).GetArrayLength());
    }

    [Fact]
    public async Task IOT_commands_follow_the_behaviour_in_force_and_an_old_signature_is_refused()
    {
        var fleet = await Sandbox.FleetAsync();
        var iot = Harness.Get<IotClient>();
        await Sandbox.PostAsync("/sandbox/iot/behavior", new { vin = fleet[5].Vin, outcome = "fail", delayMs = 0 });
        await Sandbox.PostAsync("/sandbox/iot/behavior", new { vin = fleet[6].Vin, outcome = "never", delayMs = 0 });

        var failing = await iot.ConfigureAsync(fleet[5].Vin, IotCommands.ActivateService, new Dictionary<string, string>());
        var hanging = await iot.ConfigureAsync(fleet[6].Vin, IotCommands.ActivateService, new Dictionary<string, string>());
        var failed = (await iot.GetStatusAsync(fleet[5].Vin)).Commands.Single(command => command.CommandId == failing);
        var pending = (await iot.GetStatusAsync(fleet[6].Vin)).Commands.Single(command => command.CommandId == hanging);

        Assert.Equal("FAILED", failed.Status);
        Assert.Equal("IN_PROGRESS", pending.Status);
        var path = $"/api/iot/vehicles/{fleet[5].Vin}/status";
        var stale = DateTimeOffset.UtcNow.AddMinutes(-6).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Get, Sandbox.BaseUrl + path);
        request.Headers.Add(IotSigningHandler.TimestampHeader, stale);
        request.Headers.Add(IotSigningHandler.SignatureHeader, IotSigningHandler.Sign("local-iot-pre-shared-key", "GET", path, stale, ""));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Sandbox.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task VSS_3_an_expired_token_is_refused()
    {
        using var issued = await Sandbox.Http.PostAsync(new Uri(Sandbox.BaseUrl + "/oauth/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "caas-platform", ["client_secret"] = "local-vss-client-secret",
        }));
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        var vin = (await Sandbox.FleetAsync())[0].Vin;

        Task<HttpStatusCode> QueryAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Sandbox.BaseUrl}/api/v2/vehicles/{vin}/maintenance");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return Sandbox.Http.SendAsync(request).ContinueWith(task => task.Result.StatusCode, TaskScheduler.Default);
        }

        Assert.Equal(HttpStatusCode.OK, await QueryAsync());
        await Eventually.Until(async () => await QueryAsync() == HttpStatusCode.Unauthorized, "the token to expire",
            TimeSpan.FromSeconds(WebhookSandboxFixture.TokenLifetimeSeconds * 10));
    }

    [Fact]
    public async Task Faults_are_validated_listed_narrowed_and_flaky_at_the_rate_asked()
    {
        using var invalid = await Sandbox.Http.PostAsJsonAsync(new Uri(Sandbox.BaseUrl + "/sandbox/faults"), new { system = "printer", mode = "down" });
        await Sandbox.FaultAsync("customer", "flaky", failRate: 1.0, customerId: "cust-flaky");
        var customers = Harness.Get<CaaS.Grains.Integration.Customer.CustomerClient>();

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => customers.GetAsync("cust-flaky"));
        var healthy = await customers.GetAsync("cust-1");
        var listed = await Sandbox.GetAsync("/sandbox/faults");

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("VALIDATION_FAILED", (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal("cust-1", healthy.CustomerId);
        Assert.Equal(("customer", "flaky", "cust-flaky"), (listed[0].GetProperty("system").GetString(), listed[0].GetProperty("mode").GetString(),
            listed[0].GetProperty("customerId").GetString()));
        Assert.Equal([503, 200], (await Sandbox.RequestsAsync("customer")).Select(request => request.Status));
    }

    private async Task<Event> StripeEventAsync(string paymentIntentId, string type)
    {
        var hooks = await Sandbox.Receiver.ReceivedUntilAsync(hook => hook.Path == "/webhooks/payment/settlement"
            && hook.Body.Contains(paymentIntentId, StringComparison.Ordinal) && hook.Body.Contains($"\"{type}\"", StringComparison.Ordinal), 1, type);
        // PAY-12: the sandbox's account renders events in an older version than Stripe.net's, as a real one does.
        return EventUtility.ConstructEvent(hooks[0].Body, hooks[0].Header("Stripe-Signature"), SandboxSecrets.StripeWebhookSecret, throwOnApiVersionMismatch: false);
    }

    private static SignatureCheck Verify(string secret, ReceivedWebhook hook) =>
        StandardWebhooks.Verify(secret, hook.Header("webhook-id"), hook.Header("webhook-timestamp"), hook.Header("webhook-signature"), hook.Body, DateTimeOffset.UtcNow);
}
