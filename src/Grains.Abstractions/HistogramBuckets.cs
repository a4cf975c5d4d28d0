namespace CaaS.Grains.Abstractions;

/// <summary>
/// Explicit bucket bounds, in seconds, for every duration histogram the platform records (OBS-1).
/// OpenTelemetry's default bounds (0, 5, 10, 25, ... 10000) are meant for milliseconds: recorded in
/// seconds, every call under 5 s falls into one bucket and no percentile can be read from it.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>External calls: a fast lookup answers in 5 ms, the slowest allowed attempt is cut at 60 s.</summary>
    public static readonly IReadOnlyList<double> IntegrationCalls =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>
    /// Poll lateness and round duration: a healthy round starts within milliseconds of its schedule and
    /// ends within its interval (seconds); an overloaded one drifts by whole intervals.
    /// </summary>
    public static readonly IReadOnlyList<double> PollRounds =
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    /// <summary>An OTA attempt runs on a timer (on time within ms) or after a silo's crash (up to the watchdog's period and more).</summary>
    public static readonly IReadOnlyList<double> ScheduledSteps =
        [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
}
