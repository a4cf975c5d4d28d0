using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.ApiHost.Endpoints;
using CaaS.Grains.Abstractions;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>The first vertical slice: a token from the sandbox, the API host, a grain, and back.</summary>
[Collection(EmbeddedPlatformCollection.Name)]
public sealed class VehicleApiTests(EmbeddedPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    [Fact]
    public async Task SEC_7_a_rented_cars_position_and_telemetry_are_shown_to_its_renter_during_the_rental_and_to_ops_not_to_another_customer()
    {
        var (_, renter) = await Calls.CustomerAsync();
        var (_, stranger) = await Calls.CustomerAsync();
        var ops = await Platform.TokenAsync("ops-sec7", "ops");
        var analyst = await Platform.TokenAsync("analyst-sec7", "analytics");
        var (vehicleId, vin) = await Calls.FleetVehicleAsync(16);
        // The poller reaches every fleet car: once ops sees a report, there is something to hide.
        await Eventually.Until(() => ViewAsync(vin, ops), view => view.Telemetry is not null, "the poller's first report");
        Assert.Null((await ViewAsync(vin, renter)).Telemetry);

        var rental = await Calls.ActiveRentalAsync(renter, vehicleId);

        var theRenters = await ViewAsync(vin, renter);
        Assert.NotNull(theRenters.Telemetry);
        Assert.NotNull(theRenters.LastContact);
        Assert.NotNull((await ViewAsync(vin, ops)).Telemetry);
        foreach (var outsider in new[] { stranger, analyst })
        {
            var seen = await ViewAsync(vin, outsider);
            Assert.Equal((vin, theRenters.Status), (seen.Vin, seen.Status));
            Assert.Equal((null, null, null), (seen.Telemetry, seen.LastContact, seen.OwnerId));
        }

        // Once the return is verified the car is no longer the renter's to follow.
        (await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{rental}/return", renter, CaaSCalls.GoodProof)).Dispose();
        await Eventually.Until(() => Calls.ReservationAsync(renter, rental), view => view.GetProperty("status").GetString() == "Completed", "the rental to complete");
        var after = await ViewAsync(vin, renter);
        Assert.Equal((null, null), (after.Telemetry, after.LastContact));
    }

    [Fact]
    public async Task SEC_7_a_delivered_cars_owner_is_shown_to_its_owner_and_to_ops_and_the_car_to_nobody_else()
    {
        var (owner, token) = await Calls.CustomerAsync();
        var (_, stranger) = await Calls.CustomerAsync();
        var vin = await Calls.DeliveredVehicleAsync(token);

        Assert.Equal(owner, (await ViewAsync(vin, token)).OwnerId);
        Assert.Equal(owner, (await ViewAsync(vin, await Platform.TokenAsync("ops-sec7", "ops"))).OwnerId);
        Assert.Null((await ViewAsync(vin, await Platform.TokenAsync("analyst-sec7", "analytics"))).OwnerId);
        using var theirs = await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/{vin}", stranger);
        await CaaSCalls.AssertProblemAsync(theirs, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    private async Task<VehicleView> ViewAsync(string vin, string token)
    {
        using var response = await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/{vin}", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<VehicleView>())!;
    }

    [Fact]
    public async Task A_vehicle_known_to_its_grain_is_served_with_its_history()
    {
        const string vin = "WVWZZZ1JZXW100001";
        await fixture.Grains.GetGrain<IVehicleGrain>(vin).ReportStatusAsync(new VehicleStatusReport(
            VehicleStatus.InUse, DateTimeOffset.UtcNow, new TransitionCause("rented", "fleet", "trace-abc"), "ID.Buzz", "van"));
        var token = await Platform.TokenAsync("cust-1", "customer");

        using var response = await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/{vin.ToLowerInvariant()}", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var vehicle = await response.Content.ReadFromJsonAsync<VehicleView>();
        Assert.Equal((vin, "ID.Buzz", "van", "InUse"), (vehicle!.Vin, vehicle.Model, vehicle.Category, vehicle.Status));
        var move = Assert.Single(vehicle.History);
        Assert.Equal(("Unknown", "InUse", "rented", "fleet", "trace-abc"), (move.From, move.To, move.Cause, move.Actor, move.TraceId));
    }

    [Fact]
    public async Task An_unknown_vehicle_is_a_NOT_FOUND_problem()
    {
        var token = await Platform.TokenAsync("cust-1", "customer");

        using var response = await Platform.SendAsync(HttpMethod.Get, "/api/vehicles/WVWZZZ1JZXW999998", token);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task A_malformed_vin_is_a_VALIDATION_FAILED_problem()
    {
        var token = await Platform.TokenAsync("cust-1", "customer");

        using var response = await Platform.SendAsync(HttpMethod.Get, "/api/vehicles/not-a-vin", token);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
    }

    [Fact]
    public async Task A_call_without_a_token_is_UNAUTHENTICATED()
    {
        using var response = await Platform.SendAsync(HttpMethod.Get, "/api/vehicles/WVWZZZ1JZXW100001", token: null);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task An_expired_token_is_UNAUTHENTICATED()
    {
        var expired = await Platform.TokenAsync("cust-1", "customer", expiresInSeconds: -120);

        using var response = await Platform.SendAsync(HttpMethod.Get, "/api/vehicles/WVWZZZ1JZXW100001", expired);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task A_token_with_a_forged_signature_is_UNAUTHENTICATED()
    {
        var token = await Platform.TokenAsync("cust-1", "customer");
        var parts = token.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{new string(parts[2].Reverse().ToArray())}";

        using var response = await Platform.SendAsync(HttpMethod.Get, "/api/vehicles/WVWZZZ1JZXW100001", forged);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Theory]
    [InlineData("ApiHost")]
    [InlineData("Silo")]
    public async Task Health_and_Prometheus_metrics_are_served(string host)
    {
        var baseUrl = host == "ApiHost" ? Platform.ApiHost.BaseUrl : Platform.Silos[0].HttpUrl;

        using var live = await Platform.Http.GetAsync(new Uri(baseUrl + "/health/live"));
        using var ready = await Platform.Http.GetAsync(new Uri(baseUrl + "/health/ready"));
        var metrics = await Eventually.Until(
            () => Platform.Http.GetStringAsync(new Uri(baseUrl + "/metrics")),
            text => text.Contains("process_runtime_dotnet_gc_collections_count", StringComparison.Ordinal)
                    || text.Contains("dotnet_gc_collections", StringComparison.Ordinal),
            "runtime metrics to be scraped");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("# TYPE ", metrics, StringComparison.Ordinal);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
    }
}
