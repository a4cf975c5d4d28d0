namespace CaaS.Grains.Integration.Iot;

/// <summary>
/// How the IoT adapter tells one unreachable car from API IoT being down, the status poller's own
/// failure budget, and how large the command queue may grow and how fast it drains (configuration section
/// "Iot:Resilience"). The command breaker's own numbers are RES-2's and stay in the matrix.
/// </summary>
public sealed class IotResilienceOptions
{
    public const string Section = "Iot:Resilience";

    /// <summary>
    /// How far back the answers API IoT gave for other vehicles count as evidence that it is up.
    /// Short, so that an outage is recognised within seconds even while old successes are fresh.
    /// </summary>
    public TimeSpan EvidenceWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A failure is API IoT's own when at least this share of the vehicles it was asked about within
    /// the evidence window failed last time; below it, the failure belongs to the vehicle.
    /// </summary>
    public double SystemFailureShare { get; set; } = 0.5;

    /// <summary>
    /// The status poller's failure budget, apart from the command breaker so that polling can never
    /// stop commands. The poller asks about every car every interval, so its budget is larger than
    /// the commands' and still stops it within a second of an outage at fleet scale.
    /// </summary>
    public int PollFailureThreshold { get; set; } = 20;

    public TimeSpan PollWindow { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan PollBreakDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Queued commands sent per second once the breaker closes, so that a recovering API IoT is not
    /// met by everything that waited at once (a burst of at most one second's worth).
    /// </summary>
    public int DrainRatePerSecond { get; set; } = 20;

    /// <summary>
    /// IOT-5: at most this many commands wait in a silo's queue while the breaker is open; beyond it a
    /// command is refused (DEPENDENCY_UNAVAILABLE) and stays its owner's to retry. Ten times the
    /// alert's threshold (1000 queued for 2 minutes), so ops hear of an outage long before it bites.
    /// </summary>
    public int QueueCapacity { get; set; } = 10_000;

    public BreakerPolicy PollBreaker => new(PollFailureThreshold, PollWindow, PollBreakDuration);

    public bool IsValid() => EvidenceWindow > TimeSpan.Zero && SystemFailureShare is > 0 and <= 1
        && PollFailureThreshold >= 1 && PollWindow > TimeSpan.Zero && PollBreakDuration > TimeSpan.Zero && DrainRatePerSecond >= 1 && QueueCapacity >= 1;
}
