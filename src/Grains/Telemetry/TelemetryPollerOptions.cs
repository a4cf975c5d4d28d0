namespace CaaS.Grains.Telemetry;

/// <summary>IOT-7: the IoT status poller and the rules for writing what it brings, from configuration section "Iot:Poller".</summary>
public sealed class TelemetryPollerOptions
{
    public const string Section = "Iot:Poller";

    public bool Enabled { get; set; } = true;

    /// <summary>How often each vehicle's status is asked for.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many poller grains share the fleet. Changing it re-deals every VIN to a partition.</summary>
    public int Partitions { get; set; } = 4;

    /// <summary>Status requests in flight at once per partition; on two cores an unbounded round starves the silo.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// The share of the interval a round's requests are paced over, evenly: API IoT sees the fleet's
    /// rate (fleet ÷ interval) rather than a burst as fast as MaxConcurrency allows and then silence.
    /// Zero polls as fast as it can; under 1, so a round ends before its partition's next one is due.
    /// An activation's first round is never paced, so a car's first report after a start or a failover
    /// does not wait most of an interval.
    /// </summary>
    public double Spread { get; set; } = 0.75;

    /// <summary>
    /// The durable reminder that brings a partition back after its silo dies, so also the longest a
    /// partition stays unpolled then. Never under Reminders:MinimumReminderPeriod, which Orleans enforces.
    /// </summary>
    public TimeSpan WatchdogPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Telemetry that changed nothing that matters is still written once this much time has passed since the last write.</summary>
    public TimeSpan WriteBehind { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Energy that moved by at least this many percentage points is written at once.</summary>
    public int EnergyThresholdPoints { get; set; } = 5;

    /// <summary>A vehicle that moved at least this far from its written position is written at once.</summary>
    public double DistanceThresholdMeters { get; set; } = 500;

    /// <summary>An odometer that moved by at least this much is written at once.</summary>
    public double OdometerThresholdKm { get; set; } = 1;

    /// <summary>
    /// A car whose last contact with API IoT is older than this is out of reach (asleep, in a garage,
    /// out of coverage) even though API IoT answers for it, and is backed off like one it cannot reach.
    /// </summary>
    public TimeSpan StaleContactAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The longest a car that stays unreachable goes unpolled: its wait doubles per miss up to this.
    /// Under Interval it means no backoff at all: such a car is still asked every round.
    /// </summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    public TelemetryThresholds Thresholds => new(EnergyThresholdPoints, DistanceThresholdMeters, OdometerThresholdKm, WriteBehind);

    public bool IsValid() => Interval > TimeSpan.Zero && WatchdogPeriod > TimeSpan.Zero && StaleContactAfter > TimeSpan.Zero && MaxBackoff > TimeSpan.Zero && Partitions >= 1 && MaxConcurrency >= 1 && Spread >= 0 && Spread < 1 && WriteBehind >= TimeSpan.Zero
        && EnergyThresholdPoints >= 0 && DistanceThresholdMeters >= 0 && OdometerThresholdKm >= 0;
}
