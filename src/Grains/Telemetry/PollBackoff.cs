namespace CaaS.Grains.Telemetry;

/// <summary>A car the poller could not reach: how many polls in a row missed it, and when to ask again.</summary>
public readonly record struct VehicleBackoff(int Misses, DateTimeOffset NextPollAt);

/// <summary>
/// The poller backs off cars that stay unreachable, so a fleet where some cars are
/// always underground spends its polls (and API IoT's capacity) on the cars that answer. Plain code,
/// so the schedule is tested without timers.
/// </summary>
public static class PollBackoff
{
    /// <summary>Beyond 2^16 intervals every sensible cap has long been reached; also keeps the arithmetic in range.</summary>
    private const int MaxDoublings = 16;

    /// <summary>API IoT answered, but the car has not spoken to it for longer than <paramref name="staleAfter"/>.</summary>
    public static bool IsStale(DateTimeOffset lastContact, DateTimeOffset now, TimeSpan staleAfter) => now - lastContact > staleAfter;

    /// <summary>Due unless it was backed off until later.</summary>
    public static bool IsDue(VehicleBackoff? backoff, DateTimeOffset now) => backoff is not { } held || now >= held.NextPollAt;

    /// <summary>
    /// Another miss: the wait doubles with each one in a row (two intervals after the first, four after
    /// the second, ...) up to <paramref name="max"/>, so a car that comes back is seen again soon.
    /// </summary>
    public static VehicleBackoff Missed(VehicleBackoff? previous, DateTimeOffset now, TimeSpan interval, TimeSpan max)
    {
        var misses = (previous?.Misses ?? 0) + 1;
        var wait = interval * Math.Pow(2, Math.Min(misses, MaxDoublings));
        return new VehicleBackoff(misses, now + (wait < max ? wait : max));
    }
}
