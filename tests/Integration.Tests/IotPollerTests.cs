using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.ApiHost.Endpoints;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Telemetry;
using CaaS.Grains.Telemetry;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Integration.Tests;

/// <summary>
/// IOT-7 (with IOT-2): the status poller feeds every fleet vehicle's grain, and keeps doing so for a
/// partition whose silo is killed.
/// </summary>
public sealed class IotPollerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_fleet_vehicle_gets_the_telemetry_API_IoT_reports_and_a_last_contact_that_keeps_moving_and_lateness_is_measured()
    {
        await using var platform = await Platform.StartAsync(settings: new Dictionary<string, string?> { ["Iot__Poller__Interval"] = "00:00:01" });
        using var client = await ClusterClients.ConnectEmbeddedAsync(platform.ClusterId, platform.Silos[0].GatewayPort);
        var iot = client.Services.GetRequiredService<IClusterClient>().GetGrain<IIotAdapterGrain>(0);
        var vins = await FleetVinsAsync(platform);
        var token = await platform.TokenAsync("cust-poller", "customer");

        var first = new Dictionary<string, VehicleView>();
        foreach (var vin in vins)
        {
            first[vin] = (await Eventually.Until(() => ViewAsync(platform, token, vin),
                view => view?.Telemetry is not null && view.LastContact is not null, $"{vin} to be polled", Deadline))!;
        }

        foreach (var vin in vins)
        {
            Assert.Equal((await iot.GetStatusAsync(vin)).Telemetry, first[vin].Telemetry);
        }

        // Later rounds keep the served LastContact current (in memory: the telemetry itself did not change).
        var moved = await Eventually.Until(() => ViewAsync(platform, token, vins[0]),
            view => view?.LastContact > first[vins[0]].LastContact, $"{vins[0]} to be polled again", Deadline);
        Assert.Equal(first[vins[0]].Telemetry, moved!.Telemetry);

        // The benchmark reads round lateness from the silo's own metrics, so the silo must export it.
        await Eventually.Until(() => platform.Http.GetStringAsync(new Uri(platform.Silos[0].HttpUrl + "/metrics")),
            text => text.Contains("iot_poll_lateness", StringComparison.Ordinal), "poll lateness to be exported", Deadline);
    }

    [Fact]
    public async Task When_the_silo_polling_a_partition_is_killed_its_vehicles_keep_getting_fresher_contacts()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString, silos: 2, settings: new Dictionary<string, string?>
        {
            ["Iot__Poller__Interval"] = "00:00:01",
            ["Iot__Poller__WatchdogPeriod"] = "00:00:03",
            ["Reminders__MinimumReminderPeriod"] = "00:00:03",
        });
        using var client = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var management = grains.GetGrain<IManagementGrain>(0);
        var partitions = new TelemetryPollerOptions().Partitions;
        var vins = await FleetVinsAsync(platform);
        var partition = Enumerable.Range(0, partitions).First(candidate => FleetPartition.VinsOf(vins, candidate, partitions).Count > 0);
        var partitionVins = FleetPartition.VinsOf(vins, partition, partitions);
        var poller = grains.GetGrain<ITelemetryPollerGrain>(partition);
        foreach (var vin in partitionVins)
        {
            await Eventually.Until(() => LastContactAsync(grains, vin), contact => contact is not null, $"{vin} to be polled", Deadline);
        }

        // Read where the partition runs without calling it: a call would activate it anywhere.
        var host = await management.GetActivationAddress(poller);
        Assert.NotNull(host);
        var victim = platform.Silos.Single(silo => silo.SiloPort == host.Endpoint.Port);
        victim.Process.Kill();
        var survivor = platform.Silos.Single(silo => silo != victim);
        var atKill = new Dictionary<string, DateTimeOffset>();
        foreach (var vin in partitionVins)
        {
            atKill[vin] = (await Eventually.Until(() => LastContactAsync(grains, vin), contact => contact is not null, $"{vin} to answer after the kill"))!.Value;
        }

        foreach (var vin in partitionVins)
        {
            await Eventually.Until(() => LastContactAsync(grains, vin), contact => contact > atKill[vin], $"{vin} to be polled after the kill", TimeSpan.FromSeconds(45));
        }

        Assert.Equal(survivor.SiloPort, (await management.GetActivationAddress(poller))?.Endpoint.Port);
        Assert.True((await poller.GetStatusAsync()).Polling);
    }

    private static async Task<VehicleView?> ViewAsync(Platform platform, string token, string vin)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/vehicles/{vin}", token);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<VehicleView>() : null;
    }

    private static async Task<DateTimeOffset?> LastContactAsync(IClusterClient grains, string vin) =>
        (await grains.GetGrain<IVehicleGrain>(vin).GetAsync())?.LastContact;

    private static async Task<string[]> FleetVinsAsync(Platform platform) =>
        [.. (await platform.Http.GetFromJsonAsync<JsonElement>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles")))
            .EnumerateArray().Select(vehicle => Vin.Normalize(vehicle.GetProperty("vin").GetString()!))];
}
