using Orleans.Concurrency;

namespace CaaS.Grains.Abstractions.Telemetry;

/// <summary>
/// IOT-7: polls API IoT for the status of one partition of the fleet, keyed by partition number
/// 0..P-1 (P is Iot:Poller:Partitions), and feeds the vehicle grains.
/// </summary>
public interface ITelemetryPollerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Makes sure the partition polls and will be brought back after its silo dies; harmless to call
    /// again, and every silo calls it when it starts. It interleaves with a round in progress, so a
    /// starting silo never waits for another silo's round.
    /// </summary>
    [AlwaysInterleave]
    Task EnsureRunningAsync();

    /// <summary>What the partition did last, for operators and tests. Reading it never waits for a round.</summary>
    [AlwaysInterleave]
    Task<TelemetryPollerStatus> GetStatusAsync();
}

[GenerateSerializer, Immutable, Alias("caas.telemetry-poller-status")]
public sealed record TelemetryPollerStatus(
    [property: Id(0)] int Partition,
    [property: Id(1)] int Partitions,
    [property: Id(2)] bool Polling,
    [property: Id(3)] long RoundsCompleted,
    [property: Id(4)] DateTimeOffset? LastRoundStartedAt,
    [property: Id(5)] int LastRoundVehicles,
    [property: Id(6)] int LastRoundFailures,
    [property: Id(7)] DateTimeOffset? NextRoundAt,
    [property: Id(8)] int BackedOff = 0);
