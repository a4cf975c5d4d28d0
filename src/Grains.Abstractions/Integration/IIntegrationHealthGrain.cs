namespace CaaS.Grains.Abstractions.Integration;

/// <summary>
/// The breakers (RES-2) and the IoT queue (IOT-5) of every active silo, for operators. Both are silo
/// memory, one set per silo, so this asks each silo's <see cref="ISiloIntegrationGrain"/>. Reads only.
/// </summary>
public interface IIntegrationHealthGrain : IGrainWithIntegerKey
{
    Task<IReadOnlyList<SiloIntegrationHealth>> ReadAsync();
}

/// <summary>One silo's own breakers and IoT queue; keyed by the silo's address and placed on that silo.</summary>
public interface ISiloIntegrationGrain : IGrainWithStringKey
{
    Task<SiloIntegrationHealth> ReadAsync();
}

/// <param name="State">Closed, Open or HalfOpen.</param>
/// <param name="SiloThreshold">Failures within the window that open this silo's breaker: its share of the cluster's threshold.</param>
/// <param name="RetryAfter">While not closed, how long until a request may go again.</param>
[GenerateSerializer, Immutable, Alias("caas.breaker-reading")]
public sealed record BreakerReading(
    [property: Id(0)] string System,
    [property: Id(1)] string State,
    [property: Id(2)] int FailureThreshold,
    [property: Id(3)] int SiloThreshold,
    [property: Id(4)] TimeSpan Window,
    [property: Id(5)] TimeSpan BreakDuration,
    [property: Id(6)] TimeSpan? RetryAfter);

/// <param name="Silo">The address of the silo that answered (compare with the one asked: a silo that left meanwhile is answered for by another).</param>
[GenerateSerializer, Immutable, Alias("caas.silo-integration-health")]
public sealed record SiloIntegrationHealth(
    [property: Id(0)] string Silo,
    [property: Id(1)] IReadOnlyList<BreakerReading> Breakers,
    [property: Id(2)] int IotQueueDepth,
    [property: Id(3)] int IotQueueCapacity,
    [property: Id(4)] DateTimeOffset ReadAt);
