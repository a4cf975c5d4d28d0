using CaaS.Grains.Abstractions.Flows;

namespace CaaS.Grains.Flows;

/// <summary>
/// A flow's guard reminder follows its obligations and nothing else: it runs while the flow owes
/// something, comes back no later than the earliest obligation's due time, and is gone once nothing
/// is owed, so a flow that has ended leaves nothing firing.
/// </summary>
public static class FlowGuard
{
    public const string Reminder = "guard";

    private static readonly TimeSpan Soonest = TimeSpan.FromSeconds(1);

    public static Task KeepAsync(this Grain grain, FlowJournal journal, TimeSpan period, DateTimeOffset now, string reminder = Reminder)
    {
        if (journal.Obligations.Count == 0)
        {
            return grain.StopReminderAsync(reminder);
        }

        return grain.RegisterOrUpdateReminder(reminder, DueIn(journal, period, now), period);
    }

    /// <summary>When the guard must come back: at the period, or sooner for an obligation that falls due before it.</summary>
    public static TimeSpan DueIn(FlowJournal journal, TimeSpan period, DateTimeOffset now)
    {
        var due = period;
        foreach (var owed in journal.Obligations)
        {
            if (owed.DueAt is { } at && at - now < due)
            {
                due = at - now;
            }
        }

        return due < Soonest ? Soonest : due;
    }
}
