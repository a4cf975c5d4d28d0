using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests.Support;

/// <summary>The HTTP calls the CaaS journeys make, as the web platform, ops and the sandbox's control API make them.</summary>
public sealed class CaasCalls(Platform platform)
{
    private Platform Platform => platform;

    public static object Spec(string country) => new { vehicleSpec = new { model = "ID.4", trim = "Pro", color = "Moonstone Grey", country } };

    /// <summary>Orders a vehicle and takes it through the Factory, registration and delivery: the customer's own car.</summary>
    public async Task<string> DeliveredVehicleAsync(string token, string? vin = null)
    {
        var placed = await ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, Spec("ES")));
        var id = placed.GetProperty("orderId").GetString()!;
        var ready = await AdvanceAsync(placed.GetProperty("factoryOrderId").GetString()!, new { status = "READY", vin });
        await Eventually.Until(() => OrderAsync(token, id), order => order.GetProperty("status").GetString() == "Registered", "the registration");
        await ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/orders/{id}/delivery", await Platform.TokenAsync("ops-1", "ops")));
        return ready.GetProperty("vin").GetString()!;
    }

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
