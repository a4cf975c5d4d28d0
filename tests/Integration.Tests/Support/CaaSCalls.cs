using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests.Support;

/// <summary>The HTTP calls the CaaS journeys make, as the web platform, ops and the sandbox's control API make them.</summary>
public sealed class CaaSCalls(Platform platform)
{
    private Platform Platform => platform;

    /// <summary>The sandbox Factory's signing secret, as the platform's configuration holds it by default.</summary>
    public const string FactorySecret = SandboxSecrets.FactorySecret;

    public static object Spec(string country) => new { vehicleSpec = new { model = "ID.4", trim = "Pro", color = "Moonstone Grey", country } };

    /// <summary>Orders a vehicle and takes it through the Factory, registration and delivery: the customer's own car.</summary>
    public async Task<string> DeliveredVehicleAsync(string token, string? vin = null) => (await DeliveredOrderAsync(token, vin)).Vin;

    /// <returns>the order's id and the VIN of the vehicle it delivered.</returns>
    public async Task<(string OrderId, string Vin)> DeliveredOrderAsync(string token, string? vin = null)
    {
        var placed = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, Spec("ES")));
        var id = placed.GetProperty("orderId").GetString()!;
        var ready = await AdvanceAsync(placed.GetProperty("factoryOrderId").GetString()!, new { status = "READY", vin });
        await Eventually.Until(() => OrderAsync(token, id), order => order.GetProperty("status").GetString() == "Registered", "the registration");
        await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/orders/{id}/delivery", await Platform.TokenAsync("ops-1", "ops")));
        return (id, ready.GetProperty("vin").GetString()!);
    }

    public Task<HttpResponseMessage> SendFactoryAsync(string body, string id, DateTimeOffset at, string secret = FactorySecret) =>
        Platform.SendStandardWebhookAsync("/webhooks/factory/status", body, id, at, secret);

    /// <summary>The sandbox Fleet's signing secret, as the platform's configuration holds it by default.</summary>
    public const string FleetSecret = SandboxSecrets.FleetSecret;

    /// <summary>The sandbox Stripe's webhook secret, as the platform's configuration holds it by default.</summary>
    public const string StripeSecret = SandboxSecrets.StripeWebhookSecret;

    public Task<HttpResponseMessage> SendFleetAsync(string body, string id, DateTimeOffset at, string secret = FleetSecret) =>
        Platform.SendStandardWebhookAsync("/events/fleet", body, id, at, secret);

    /// <summary>Posts a Stripe event signed as Stripe signs it (t=..,v1=hex HMAC-SHA256 of "{t}.{body}" keyed with the whole secret), with any secret and time.</summary>
    public async Task<HttpResponseMessage> SendStripeAsync(string body, DateTimeOffset at, string secret = StripeSecret, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Platform.ApiHost.BaseUrl + "/webhooks/payment/settlement")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, mediaType),
        };
        request.Headers.Add("Stripe-Signature", StripeSignature(body, at, secret));
        return await Platform.Http.SendAsync(request);
    }

    public static string StripeSignature(string body, DateTimeOffset at, string secret = StripeSecret)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret),
            System.Text.Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        return $"t={timestamp},v1={signature}";
    }

    /// <summary>A Stripe event about one PaymentIntent, as Stripe.net reads it (its own API version, so it is not refused for a mismatch).</summary>
    public static string StripeEvent(string eventId, string type, string paymentIntentId, IReadOnlyDictionary<string, string> metadata, DateTimeOffset created) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = eventId,
            ["object"] = "event",
            ["api_version"] = Stripe.StripeConfiguration.ApiVersion,
            ["created"] = created.ToUnixTimeSeconds(),
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["type"] = type,
            ["data"] = new Dictionary<string, object?>
            {
                ["object"] = new Dictionary<string, object?>
                {
                    ["id"] = paymentIntentId,
                    ["object"] = "payment_intent",
                    ["status"] = type == "payment_intent.payment_failed" ? "requires_payment_method" : "succeeded",
                    ["metadata"] = metadata,
                    ["last_payment_error"] = type == "payment_intent.payment_failed" ? new Dictionary<string, object?> { ["message"] = "The settlement failed." } : null,
                },
            },
        });

    /// <summary>A one-hour rental, unlocked and returned with a good proof: Completed, its money captured.</summary>
    /// <returns>the rental's id and the PaymentIntent that holds its money.</returns>
    public async Task<(string Id, string PaymentIntent)> CompletedRentalAsync(string token, string vehicleId)
    {
        var id = await ActiveRentalAsync(token, vehicleId);
        (await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, GoodProof)).Dispose();
        await Eventually.Until(() => ReservationAsync(token, id), view => view.GetProperty("status").GetString() == "Completed", "the rental to complete");
        return (id, Assert.Single(await StripeIntentsAsync("reservationId", id)).GetProperty("id").GetString()!);
    }

    /// <summary>A proof of return the verification accepts: inside the Madrid zone, plausible, with a photo.</summary>
    public static readonly object GoodProof = new
    {
        odometerKm = 23_456.7, energyPercent = 64, photoUrls = new[] { "https://photos.example/front.jpg" }, latitude = 40.4168, longitude = -3.7038,
    };

    /// <summary>The index-th rentable vehicle of the sandbox's fleet (not the one with overdue maintenance).</summary>
    public async Task<(string VehicleId, string Vin)> FleetVehicleAsync(int index)
    {
        var fleet = await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles"));
        var vehicle = fleet.EnumerateArray().Where(item => !item.GetProperty("maintenanceOverdue").GetBoolean()).ElementAt(index);
        return (vehicle.GetProperty("vehicleId").GetString()!, vehicle.GetProperty("vin").GetString()!);
    }

    /// <summary>A one-hour reservation starting in a minute (so it can be unlocked at once), unlocked.</summary>
    /// <returns>the rental's id.</returns>
    public async Task<string> ActiveRentalAsync(string token, string vehicleId, string paymentMethodId = "pm_card_visa")
    {
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(1);
        var reserved = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId, startsAt, endsAt = startsAt.AddHours(1), paymentMethodId }));
        var id = reserved.GetProperty("id").GetString()!;
        await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token));
        return id;
    }

    /// <summary>Whether the vehicle can be booked for two hours in two days: what its fleet status and maintenance mean to a customer.</summary>
    public async Task<bool> IsBookableAsync(string token, string vehicleId)
    {
        var from = DateTimeOffset.UtcNow.Date.AddDays(2).AddHours(9);
        var window = $"from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(from.AddHours(2).ToString("O"))}";
        var free = await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/available?{window}", token));
        return free.EnumerateArray().Any(item => item.GetProperty("vehicleId").GetString() == vehicleId);
    }

    public async Task<JsonElement> ReservationAsync(string token, string id) =>
        await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/reservations/{id}", token));

    /// <summary>What the sandbox's Stripe holds, all of it or the PaymentIntents whose metadata has that key and value.</summary>
    public async Task<JsonElement[]> StripeIntentsAsync(string? metadataKey = null, string? value = null) =>
        (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/stripe/payment_intents"
            + (metadataKey is null ? "" : $"?metadata[{metadataKey}]={Uri.EscapeDataString(value!)}")))).EnumerateArray().ToArray();

    public Task<HttpResponseMessage> BuyAsync(string token, string vin, string serviceCode, string paymentMethodId = "pm_card_visa") =>
        Platform.SendAsync(HttpMethod.Post, $"/api/vehicles/{vin}/services", token, new { serviceCode, paymentMethodId });

    public async Task<JsonElement> OrderAsync(string token, string id) =>
        await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/orders/{id}", token));

    public async Task<JsonElement> PurchaseAsync(string token, string id) =>
        await ReadAsync(await Platform.SendAsync(HttpMethod.Get, $"/api/service-purchases/{id}", token));

    public async Task<JsonElement> IntentsAsync(string purchaseId) =>
        await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[purchaseId]={purchaseId}"));

    public Task<JsonElement> AdvanceAsync(string factoryOrderId, object change) => SandboxPostAsync($"/sandbox/factory/orders/{factoryOrderId}/advance", change);

    public async Task<(string Customer, string Token)> CustomerAsync()
    {
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..10];
        return (customer, await Platform.TokenAsync(customer, "customer"));
    }

    public async Task<JsonElement[]> NotificationsAsync(string customer) =>
        (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/notifications?to={customer}"))).EnumerateArray().ToArray();

    public async Task<JsonElement[]> SandboxRequestsAsync(string system) =>
        (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/requests?system={system}"))).EnumerateArray().ToArray();

    /// <summary>
    /// MOB-7: the car reports these values to API IoT from now on (any of odometerKm, energyPercent,
    /// latitude, longitude), whatever a customer claims at return.
    /// </summary>
    public Task CarReportsAsync(string vin, double? odometerKm = null, int? energyPercent = null, double? latitude = null, double? longitude = null) =>
        SandboxPostAsync("/sandbox/iot/telemetry", new { vin, odometerKm, energyPercent, latitude, longitude });

    /// <summary>The car reports what the sandbox makes up for its VIN again (inside Madrid's zone, energy 20 to 100%).</summary>
    public async Task CarReportsItsOwnAsync(string vin) =>
        (await Platform.Http.DeleteAsync(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/iot/telemetry/{vin}"))).EnsureSuccessStatusCode().Dispose();

    public async Task<JsonElement> SandboxPostAsync(string path, object? body = null)
    {
        using var response = await Platform.Http.PostAsJsonAsync(new Uri(Platform.Sandbox.BaseUrl + path), body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task FaultAsync(object fault)
    {
        using var response = await Platform.Http.PostAsJsonAsync(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/faults"), fault);
        response.EnsureSuccessStatusCode();
    }

    public const string StripeSecretKey = SandboxSecrets.StripeSecretKey;

    /// <summary>
    /// Makes money move at the sandbox's Stripe behind the platform's back, as a bug or a second
    /// system would: a hold under the given metadata, captured when asked. Returns its id.
    /// </summary>
    public async Task<string> ForgeStripeIntentAsync(IReadOnlyDictionary<string, string> metadata, long amount, bool capture)
    {
        async Task<JsonElement> PostAsync(string path, IEnumerable<KeyValuePair<string, string>> form)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Platform.Sandbox.BaseUrl + path)) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", StripeSecretKey);
            using var response = await Platform.Http.SendAsync(request);
            return await ReadAsync(response);
        }

        var intent = await PostAsync("/v1/payment_intents", new Dictionary<string, string>
        {
            ["amount"] = amount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["currency"] = "eur",
            ["capture_method"] = "manual",
            ["confirm"] = "true",
            ["payment_method"] = "pm_card_visa",
        }.Concat(metadata.Select(pair => KeyValuePair.Create($"metadata[{pair.Key}]", pair.Value))));
        var id = intent.GetProperty("id").GetString()!;
        if (capture)
        {
            await PostAsync($"/v1/payment_intents/{id}/capture", []);
        }

        return id;
    }

    /// <summary>Posts to the admin API and returns GraphQL's answer, which is 200 whatever the query's errors.</summary>
    public async Task<JsonElement> GraphQLAsync(string token, string query, object? variables = null)
    {
        using var response = await platform.SendAsync(HttpMethod.Post, "/graphql", token, new { query, variables });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A GraphQL answer's data, asserting it carries no errors.</summary>
    public static JsonElement Data(JsonElement answer)
    {
        Assert.False(answer.TryGetProperty("errors", out var errors), errors.ToString());
        return answer.GetProperty("data");
    }

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, bool allowFailure = false)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(allowFailure || response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
    }
}
