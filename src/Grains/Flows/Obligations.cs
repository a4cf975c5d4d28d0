using CaaS.Grains.Abstractions.Flows;

namespace CaaS.Grains.Flows;

/// <summary>Reading and changing what a flow owes. An obligation is one per kind and key: owing it again updates it.</summary>
public static class Obligations
{
    public static void Owe(this FlowJournal journal, Obligation obligation)
    {
        var index = journal.Obligations.FindIndex(owed => owed.Kind == obligation.Kind && owed.Key == obligation.Key);
        if (index >= 0)
        {
            // PAY-12: a void keeps the create whose answer was lost, however often it is owed again.
            journal.Obligations[index] = obligation.LostCreate is null && journal.Obligations[index].LostCreate is { } lost
                ? obligation with { LostCreate = lost }
                : obligation;
        }
        else
        {
            journal.Obligations.Add(obligation);
        }
    }

    public static void Owe(this FlowJournal journal, ObligationKind kind, DateTimeOffset? dueAt = null) => journal.Owe(new Obligation(kind, DueAt: dueAt));

    public static bool Owes(this FlowJournal journal, ObligationKind kind) => journal.Obligations.Exists(owed => owed.Kind == kind);

    public static Obligation? Owed(this FlowJournal journal, ObligationKind kind) => journal.Obligations.Find(owed => owed.Kind == kind);

    /// <returns>true when something was owed and is not any more.</returns>
    public static bool Discharge(this FlowJournal journal, ObligationKind kind, string key = "") =>
        journal.Obligations.RemoveAll(owed => owed.Kind == kind && owed.Key == key) > 0;

    public static IEnumerable<Obligation> OfKind(this FlowJournal journal, ObligationKind kind) => journal.Obligations.Where(owed => owed.Kind == kind);

    /// <summary>The key of the second look a void leaves behind (<see cref="FlowOptions.VoidRecheckAfter"/>).</summary>
    public const string VoidRecheck = "recheck";

    /// <summary>PAY-12: the creates whose answers were lost, for a void to send again under their keys.</summary>
    public static IReadOnlyList<CaaS.Grains.Abstractions.Integration.AuthorizePayment> LostCreates(this FlowJournal journal) =>
        [.. journal.OfKind(ObligationKind.Void).Select(owed => owed.LostCreate).OfType<CaaS.Grains.Abstractions.Integration.AuthorizePayment>()];

    /// <summary>A void is owed now: the first one, or its recheck once due.</summary>
    public static bool VoidIsDue(this FlowJournal journal, DateTimeOffset now) =>
        journal.OfKind(ObligationKind.Void).Any(owed => owed.DueAt is null || owed.DueAt <= now);

    /// <summary>
    /// A void went through. The first one leaves a recheck after <paramref name="recheckAfter"/>, for an
    /// authorisation still in flight when it searched; the recheck going through ends the obligation.
    /// </summary>
    public static void Voided(this FlowJournal journal, DateTimeOffset now, TimeSpan recheckAfter)
    {
        if (journal.Discharge(ObligationKind.Void))
        {
            journal.Owe(new Obligation(ObligationKind.Void, VoidRecheck, now + recheckAfter));
        }
        else
        {
            journal.Discharge(ObligationKind.Void, VoidRecheck);
        }
    }
}
