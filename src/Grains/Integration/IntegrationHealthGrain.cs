using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Iot;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace CaaS.Grains.Integration;

/// <summary>
/// Asks every active silo for its own readings. The placement hint puts each silo's reader on that
/// silo, since a breaker read anywhere else would be another silo's breaker.
/// </summary>
[StatelessWorker]
public sealed class IntegrationHealthGrain : Grain, IIntegrationHealthGrain
{
    public async Task<IReadOnlyList<SiloIntegrationHealth>> ReadAsync()
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var readings = await Task.WhenAll(hosts.Keys.OrderBy(silo => silo.ToParsableString(), StringComparer.Ordinal).Select(ReadOnAsync));
        return readings;
    }

    // RequestContext is async-local: set inside this async method, the hint travels with this one call
    // and is gone for the caller and for the other silos' calls.
    private async Task<SiloIntegrationHealth> ReadOnAsync(SiloAddress silo)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return await GrainFactory.GetGrain<ISiloIntegrationGrain>(silo.ToParsableString()).ReadAsync();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }
}

/// <summary>Reads the silo singletons the adapters share; holds nothing, so it costs a silo nothing to keep.</summary>
[RandomPlacement]
public sealed class SiloIntegrationGrain(ILocalSiloDetails silo, CircuitBreakers breakers, IotCommandQueue iotQueue, TimeProvider time) : Grain, ISiloIntegrationGrain
{
    public Task<SiloIntegrationHealth> ReadAsync() => Task.FromResult(new SiloIntegrationHealth(
        silo.SiloAddress.ToParsableString(),
        [.. breakers.All.Append(breakers.IotPolling).Select(Read).OrderBy(breaker => breaker.System, StringComparer.Ordinal)],
        iotQueue.Depth,
        iotQueue.Capacity,
        time.GetUtcNow()));

    private static BreakerReading Read(CircuitBreaker breaker) => new(
        breaker.System, breaker.State.ToString(), breaker.Policy.FailureThreshold, breaker.SiloThreshold,
        breaker.Policy.Window, breaker.Policy.BreakDuration, breaker.RetryAfter);
}
