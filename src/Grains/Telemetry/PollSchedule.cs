namespace CaaS.Grains.Telemetry;

/// <summary>When a partition's rounds are due. Plain code, so the cadence is tested without timers.</summary>
public static class PollSchedule
{
    /// <summary>
    /// The first round of a fresh activation. Partitions start spread over one interval rather than
    /// all at once, so API IoT sees an even load instead of P bursts at the same instant; none starts
    /// at once, so a starting silo finishes starting (and a test cluster's fixture settles) before
    /// the first poll. Within one interval, as the poller promises anyway.
    /// </summary>
    public static DateTimeOffset FirstRound(DateTimeOffset now, TimeSpan interval, int partition, int partitions) =>
        now + (interval * (Math.Clamp(partition, 0, Math.Max(partitions - 1, 0)) + 1) / Math.Max(partitions, 1));

    /// <summary>
    /// The round after the one scheduled at <paramref name="scheduled"/>: one interval later, on the
    /// original grid whatever the round took, so a slow round shows as lateness of the next one. A
    /// round that overran whole intervals does not queue up the rounds it missed: they are dropped
    /// (counted in <paramref name="skipped"/>) and the latest missed slot starts at once.
    /// </summary>
    public static DateTimeOffset NextRound(DateTimeOffset scheduled, TimeSpan interval, DateTimeOffset now, out long skipped)
    {
        var next = scheduled + interval;
        skipped = next >= now ? 0 : (now - next).Ticks / interval.Ticks;
        return next + (interval * skipped);
    }

    /// <summary>
    /// The configured watchdog period (a minute by default) but never under what the silo allows
    /// reminders, which would make the registration throw. Tests lower both to see a failover within seconds.
    /// </summary>
    public static TimeSpan WatchdogPeriod(TimeSpan configured, TimeSpan minimumReminderPeriod) =>
        configured > minimumReminderPeriod ? configured : minimumReminderPeriod;

    /// <summary>
    /// When the <paramref name="index"/>th of a round's <paramref name="due"/> requests may start: evenly
    /// over <paramref name="spread"/> of the interval from the round's start, so API IoT sees the
    /// fleet's rate instead of a burst (issue 18 point 5).
    /// </summary>
    public static DateTimeOffset Slot(DateTimeOffset roundStartedAt, TimeSpan interval, double spread, int index, int due) =>
        due <= 0 ? roundStartedAt : roundStartedAt + (interval * spread * index / due);

    /// <returns>false when the round was cancelled (the partition retires or deactivates) before the slot came.</returns>
    public static async Task<bool> WaitUntilAsync(DateTimeOffset slot, TimeProvider time, CancellationToken cancellation)
    {
        var wait = slot - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return true;
        }

        try
        {
            await Task.Delay(wait, time, cancellation);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static TimeSpan Lateness(DateTimeOffset scheduled, DateTimeOffset startedAt) =>
        startedAt > scheduled ? startedAt - scheduled : TimeSpan.Zero;
}
