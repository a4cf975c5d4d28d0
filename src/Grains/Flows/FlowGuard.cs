using CaaS.Grains.Abstractions.Flows;

namespace CaaS.Grains.Flows;

/// <summary>
/// A flow's guard reminder follows its obligations and nothing else: it runs while the flow owes
/// something, comes back at its period (sooner for an obligation due sooner, later when the flow only
/// waits for a deadline), and is gone once nothing is owed, so a flow that has ended leaves nothing firing.
/// </summary>
public static class FlowGuard
{
    public const string Reminder = "guard";

    private static readonly TimeSpan Soonest = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A reminder's first tick waits on a timer, which takes at most about 49 days; an obligation due
    /// later (a booking's authorisation months ahead) is reached by a guard that wakes, finds nothing
    /// due, and sets itself again for what is left.
    /// </summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(30);

    /// <summary>
    /// Whether a write must (re)register the guard first: something is owed and no guard runs, or the
    /// one that runs (coming by <paramref name="comesBy"/>) would come later than what is owed falls due.
    /// </summary>
    public static bool MustRegister(DateTimeOffset? comesBy, FlowJournal journal, TimeSpan period, DateTimeOffset now) =>
        journal.Obligations.Count > 0 && (comesBy is null || now + DueIn(journal, period, now) + period < comesBy.Value);

    /// <summary>
    /// When the guard must come back: at the period while anything is owed now, or at the earliest
    /// due time when everything owed falls due later (a creation's abandonment deadline), so a flow
    /// that is only waiting is not woken for nothing.
    /// </summary>
    public static TimeSpan DueIn(FlowJournal journal, TimeSpan period, DateTimeOffset now)
    {
        TimeSpan? earliest = null;
        var owedNow = false;
        foreach (var owed in journal.Obligations)
        {
            if (owed.DueAt is not { } at)
            {
                owedNow = true;
            }
            else if (earliest is null || at - now < earliest)
            {
                earliest = at - now;
            }
        }

        var due = earliest is { } soonest && (!owedNow || soonest < period) ? soonest : period;
        return due < Soonest ? Soonest : due > Longest ? Longest : due;
    }
}

/// <summary>
/// One flow grain's guard, remembering whether its reminder runs, so that a state write which stores
/// an obligation has the guard registered before it: otherwise a crash between the write and the end of
/// the call leaves something owed that no reminder will ever take up (a ReturnPending rental whose
/// capture was in flight, a notification of a purchase). Registered once, and again only when a write
/// makes something due before the guard would come, not before every write.
/// </summary>
public sealed class GuardKeeper(Grain grain, string reminder = FlowGuard.Reminder)
{
    /// <summary>When the guard this activation registered comes at the latest; null while it runs for nothing this activation knows of.</summary>
    private DateTimeOffset? _comesBy;

    /// <summary>The reminder as this activation last registered it: stopping it then needs no lookup (a booking's guard is registered and stopped in one call).</summary>
    private IGrainReminder? _registered;

    public async Task KeepAsync(FlowJournal journal, TimeSpan period, DateTimeOffset now)
    {
        if (journal.Obligations.Count == 0)
        {
            await StopAsync();
            _comesBy = null;
            return;
        }

        var due = FlowGuard.DueIn(journal, period, now);
        _registered = await grain.RegisterOrUpdateReminder(reminder, due, period);
        _comesBy = now + due;
    }

    private async Task StopAsync()
    {
        var registered = _registered;
        _registered = null;
        if (registered is not null)
        {
            try
            {
                await grain.UnregisterReminder(registered);
                return;
            }
            catch (ReminderException)
            {
                // Changed since this activation registered it (its version moved): looked up and stopped as it now stands.
            }
        }

        await grain.StopReminderAsync(reminder);
    }

    /// <summary>
    /// Before a write that stores an obligation: the guard is registered if it is not, and brought
    /// forward if what the write owes is due before the guard would come (a booking far ahead, whose
    /// guard waits for its authorisation weeks away, cancelled and owing a void and a message now).
    /// </summary>
    public Task BeforeWriteAsync(FlowJournal journal, TimeSpan period, DateTimeOffset now) =>
        FlowGuard.MustRegister(_comesBy, journal, period, now) ? KeepAsync(journal, period, now) : Task.CompletedTask;
}
