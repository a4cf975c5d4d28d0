using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CaaS.ApiHost.Endpoints;
using CaaS.Grains.Abstractions;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Integration.Tests;

/// <summary>
/// FLT-4 on reads: a platform whose poller is off has heard nothing of the fleet's cars until
/// someone asks, and a read of one is answered from Fleet Management's list.
/// </summary>
public sealed class FleetLookupTests
{
    [Fact]
    public async Task FLT_4_the_READMEs_fleet_car_which_the_platform_has_no_state_for_is_shown_as_Fleet_Management_lists_it_and_an_unknown_VIN_stays_NOT_FOUND()
    {
        await using var platform = await Platform.StartAsync(settings: new Dictionary<string, string?> { ["Iot__Poller__Enabled"] = "false" });
        using var client = await ClusterClients.ConnectEmbeddedAsync(platform.ClusterId, platform.Silos[0].GatewayPort);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var calls = new CaaSCalls(platform);
        var (_, customer) = await calls.CustomerAsync();
        // The README's first request is this very read: its VIN must be a car of the sandbox's fleet.
        var readmeVin = Regex.Match(File.ReadAllText(Path.Combine(Repository.Root, "README.md")), @"/api/vehicles/([A-HJ-NPR-Z0-9]{17})\b").Groups[1].Value;
        var listed = (await platform.Http.GetFromJsonAsync<SandboxVehicle[]>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles")))!
            .SingleOrDefault(vehicle => vehicle.Vin == readmeVin)
            ?? throw new InvalidOperationException($"README.md's first request reads '{readmeVin}', which the sandbox's fleet does not have");
        Assert.Null(await grains.GetGrain<IVehicleGrain>(listed.Vin).GetAsync());

        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/vehicles/{listed.Vin.ToLowerInvariant()}", customer);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var shown = (await response.Content.ReadFromJsonAsync<VehicleView>())!;
        Assert.Equal((listed.Vin, listed.Model, listed.Category), (shown.Vin, shown.Model, shown.Category));
        Assert.NotEqual(nameof(VehicleStatus.Unknown), shown.Status);
        Assert.NotNull(shown.StatusReportedAt);
        // SEC-7: nothing about where the car is or whose it is.
        Assert.Equal((null, null, null), (shown.Telemetry, shown.LastContact, shown.OwnerId));
        using var unknown = await platform.SendAsync(HttpMethod.Get, "/api/vehicles/WVWZZZ1JZXW999995", customer);
        await CaaSCalls.AssertProblemAsync(unknown, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    private sealed record SandboxVehicle(string VehicleId, string Vin, string Model, string Category, bool MaintenanceOverdue);
}
