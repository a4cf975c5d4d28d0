using CaaS.Grains.Abstractions;
using Orleans.Concurrency;

namespace CaaS.Grains.Health;

[StatelessWorker]
public sealed class HealthProbeGrain : Grain, IHealthProbeGrain
{
    public Task<string> PingAsync() => Task.FromResult(RuntimeIdentity);
}
