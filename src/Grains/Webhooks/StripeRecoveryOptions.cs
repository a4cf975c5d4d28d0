using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Webhooks;

/// <summary>WH-6 for Stripe, from configuration section "Payments:EventRecovery".</summary>
public sealed class StripeRecoveryOptions
{
    public const string Section = "Payments:EventRecovery";

    public bool Enabled { get; set; } = true;

    /// <summary>How often the recovery looks whether a fetch is due; never under Reminders:MinimumReminderPeriod.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>No Stripe webhook for this long (and no fetch either) means webhooks may be getting lost: fetch.</summary>
    public TimeSpan QuietAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A fetch at least this often, even while webhooks arrive: one lost among many is found too.</summary>
    public TimeSpan FetchEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How far back the first fetch looks, before any event is known: Stripe retries a webhook for three
    /// days, so what is older was delivered or reported long ago. Stripe keeps events 30 days.
    /// </summary>
    public TimeSpan FirstLookback { get; set; } = TimeSpan.FromDays(3);

    /// <summary>The event types the flows act on; Stripe lists only these.</summary>
    public static readonly IReadOnlyList<string> Types = [StripeEventTypes.PaymentSucceeded, StripeEventTypes.PaymentFailed, StripeEventTypes.PaymentCanceled];
}
