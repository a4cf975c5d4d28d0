namespace CaaS.Grains.Analytics;

/// <summary>ANA-1 to ANA-3: the bookings projection and its nightly export, from configuration section "Analytics".</summary>
public sealed class AnalyticsOptions
{
    public const string Section = "Analytics";

    /// <summary>The shortest <see cref="PseudonymKey"/> accepted: 32 characters, 256 bits of a random value.</summary>
    public const int MinimumPseudonymKeyLength = 32;

    public string ExportDirectory { get; set; } = "exports";

    /// <summary>The HMAC key of customer pseudonyms (SEC-7): a secret, from configuration; config/local.json has a development one.</summary>
    public string? PseudonymKey { get; set; }

    /// <summary>When, in UTC, the previous day is exported.</summary>
    public TimeSpan ExportTimeOfDay { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How many missed days a late run catches up on.</summary>
    public int CatchUpDays { get; set; } = 7;

    /// <summary>
    /// How long a booking day's projection gathers events before it writes them, all in one write.
    /// Every write stores the whole day, so writing per event cost the square of the day's bookings.
    /// </summary>
    public TimeSpan ProjectionWriteDelay { get; set; } = TimeSpan.FromSeconds(1);
}
