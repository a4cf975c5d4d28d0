using System.Net;
using System.Net.Http.Json;
using CaaS.ApiHost.Endpoints;
using CaaS.Grains.Abstractions;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Integration.Tests;

public sealed class FailoverTests
{
    [Fact]
    public async Task State_written_through_a_silo_that_is_killed_is_served_by_the_other_silo()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString, silos: 2);
        using var client = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var reportedAt = DateTimeOffset.UtcNow;
        var vins = Enumerable.Range(1, 12).Select(i => $"WVWZZZ1JZXW{i:D6}").ToArray();

        foreach (var vin in vins)
        {
            await grains.GetGrain<IVehicleGrain>(vin).ReportStatusAsync(
                new VehicleStatusReport(VehicleStatus.Available, reportedAt, new TransitionCause("seeded by test", "test")));
        }

        // Kill the silo that holds the first vehicle, so at least that one must move.
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<IVehicleGrain>(vins[0]));
        Assert.NotNull(host);
        var victim = platform.Silos.Single(silo => silo.SiloPort == host.Endpoint.Port);
        victim.Process.Kill();

        var token = await platform.TokenAsync("ops-1", "ops");
        foreach (var vin in vins)
        {
            var vehicle = await Eventually.Until(async () =>
            {
                using var response = await platform.SendAsync(HttpMethod.Get, $"/api/vehicles/{vin}", token);
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<VehicleView>() : null;
            }, view => view is not null, $"{vin} to be served after the kill");

            Assert.Equal("Available", vehicle!.Status);
            Assert.Equal("seeded by test", Assert.Single(vehicle.History).Cause);
        }

        var survivor = platform.Silos.Single(silo => silo != victim);
        Assert.Equal(survivor.SiloPort, (await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<IVehicleGrain>(vins[0])))?.Endpoint.Port);
    }
}
