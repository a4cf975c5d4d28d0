using System.Net;
using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// TST-4, SEC-1, SEC-2 (the security suite): every endpoint of the contract that needs an
/// identity, called without a token, with an expired one, with the wrong role and, where the
/// resource is a customer's, with another customer's token. Each is refused with its problem code
/// and nothing the owner holds changes.
/// </summary>
[Collection(CaaSPlatformCollection.Name)]
public sealed class SecuritySuiteTests(CaaSPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    private const string AnyRole = "any";

    private sealed record Route(HttpMethod Method, string Path, string Role, object? Body = null, bool Owned = false);

    [Fact]
    public async Task SEC_1_2_every_endpoint_refuses_no_token_an_expired_token_the_wrong_role_and_another_customers_token()
    {
        var (owner, token) = await Calls.CustomerAsync();
        var (stranger, strangerToken) = await Calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddDays(3);
        var reservation = (await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = (await Calls.FleetVehicleAsync(15)).VehicleId, startsAt, endsAt = startsAt.AddHours(2), paymentMethodId = "pm_card_visa" })))
            .GetProperty("id").GetString()!;
        var (order, vin) = await Calls.DeliveredOrderAsync(token);
        var purchase = (await CaaSCalls.ReadAsync(await Calls.BuyAsync(token, vin, "HEATED_SEATS"))).GetProperty("purchaseId").GetString()!;
        await Eventually.Until(() => Calls.PurchaseAsync(token, purchase), view => view.GetProperty("status").GetString() == "Active", "the activation");
        var before = await OwnerViewAsync(token, reservation, order, purchase);

        var window = $"from={Uri.EscapeDataString(startsAt.ToString("O"))}&to={Uri.EscapeDataString(startsAt.AddHours(1).ToString("O"))}";
        Route[] routes =
        [
            new(HttpMethod.Get, $"/api/vehicles/available?{window}", "customer"),
            new(HttpMethod.Post, "/api/reservations", "customer", new { vehicleId = "veh-001", startsAt, endsAt = startsAt.AddHours(1), paymentMethodId = "pm_card_visa" }),
            new(HttpMethod.Get, $"/api/reservations/{reservation}", "customer", Owned: true),
            new(HttpMethod.Post, $"/api/reservations/{reservation}/cancel", "customer", Owned: true),
            new(HttpMethod.Post, $"/api/rentals/{reservation}/unlock", "customer", Owned: true),
            new(HttpMethod.Post, $"/api/rentals/{reservation}/return", "customer", CaaSCalls.GoodProof, Owned: true),
            new(HttpMethod.Post, "/api/orders", "customer", CaaSCalls.Spec("ES")),
            new(HttpMethod.Get, $"/api/orders/{order}", "customer", Owned: true),
            new(HttpMethod.Post, $"/api/vehicles/{vin}/services", "customer", new { serviceCode = "AUTOPARK", paymentMethodId = "pm_card_visa" }, Owned: true),
            new(HttpMethod.Get, $"/api/service-purchases/{purchase}", "customer", Owned: true),
            // Any identity reads vehicles (ops and analytics too); a customer's own car only its owner.
            new(HttpMethod.Get, $"/api/vehicles/{vin}", AnyRole, Owned: true),
            new(HttpMethod.Post, $"/api/orders/{order}/delivery", "ops"),
            new(HttpMethod.Post, "/graphql", "ops", new { query = "{ opsAlerts { totalCount } }" }),
            new(HttpMethod.Get, $"/api/bookings/analytics?{window}", "analytics"),
        ];
        var expired = new Dictionary<string, string>
        {
            ["customer"] = await Platform.TokenAsync(owner, "customer", expiresInSeconds: -120),
            ["ops"] = await Platform.TokenAsync("ops-1", "ops", expiresInSeconds: -120),
            ["analytics"] = await Platform.TokenAsync("forecaster", "analytics", expiresInSeconds: -120),
        };
        expired[AnyRole] = expired["customer"];
        // The role each route must refuse: a customer where ops or analytics are required, and the reverse.
        var wrong = new Dictionary<string, string>
        {
            ["customer"] = await Platform.TokenAsync("forecaster", "analytics"),
            ["ops"] = token,
            ["analytics"] = token,
        };

        var refusals = new List<string>();
        foreach (var route in routes)
        {
            await ExpectAsync(route, null, HttpStatusCode.Unauthorized, "UNAUTHENTICATED", refusals);
            await ExpectAsync(route, expired[route.Role], HttpStatusCode.Unauthorized, "UNAUTHENTICATED", refusals);
            await ExpectAsync(route, "not-a-jwt", HttpStatusCode.Unauthorized, "UNAUTHENTICATED", refusals);
            if (route.Role != AnyRole)
            {
                await ExpectAsync(route, wrong[route.Role], HttpStatusCode.Forbidden, "FORBIDDEN", refusals);
            }

            if (route.Owned)
            {
                await ExpectAsync(route, strangerToken, HttpStatusCode.NotFound, "NOT_FOUND", refusals);
            }
        }

        var after = await OwnerViewAsync(token, reservation, order, purchase);
        var strangerNotifications = await Calls.NotificationsAsync(stranger);

        Assert.Equal((routes.Length * 4) - routes.Count(route => route.Role == AnyRole) + routes.Count(route => route.Owned), refusals.Count);
        Assert.Equal(before, after);
        Assert.Empty(strangerNotifications);
        Assert.Single(await Calls.StripeIntentsAsync("reservationId", reservation));
        ReliabilityResults.Record("security.json", "endpoints", new
        {
            routes = routes.Length,
            refusals = refusals.Count,
            byCode = refusals.GroupBy(refusal => refusal.Split(' ')[^1]).ToDictionary(group => group.Key, group => group.Count()),
            stateChanges = 0,
        });
    }

    private async Task ExpectAsync(Route route, string? token, HttpStatusCode status, string code, List<string> refusals)
    {
        using var response = await Platform.SendAsync(route.Method, route.Path, token, route.Body);
        var text = await response.Content.ReadAsStringAsync();
        var who = token is null ? "no token" : token.Length < 20 ? "a malformed token" : "a refused token";
        Assert.True(response.StatusCode == status, $"{route.Method} {route.Path} with {who}: expected {(int)status}, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
        refusals.Add($"{route.Method} {route.Path} {code}");
    }

    /// <summary>What the owner sees of their reservation, order and purchase, without the parts time alone changes.</summary>
    private async Task<string> OwnerViewAsync(string token, string reservation, string order, string purchase)
    {
        var views = new[]
        {
            await Calls.ReservationAsync(token, reservation),
            await Calls.OrderAsync(token, order),
            await Calls.PurchaseAsync(token, purchase),
        };
        return string.Join("\n", views.Select(view => view.ToString()));
    }
}
