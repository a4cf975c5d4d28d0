using CaaS.Grains.Abstractions.Notifications;

namespace CaaS.Grains.Abstractions.Flows;

/// <summary>
/// The part of every flow's persisted state that the flow shape owns: the numbering of its entries,
/// the outbox those entries wait in until they are published, and what the flow still owes the world.
/// It is written in the same state write as the change that produced it, so nothing owed or told is
/// ever lost between the two.
/// </summary>
[GenerateSerializer, Alias("caas.flow-journal")]
public sealed class FlowJournal
{
    /// <summary>The sequence number of the newest entry; the next entry takes one more.</summary>
    [Id(0)] public long Sequence { get; set; }

    /// <summary>Entries not yet published, oldest first, each numbered per flow.</summary>
    [Id(1)] public List<TransitionRecord> Outbox { get; set; } = [];

    /// <summary>What the flow still has to carry out; its guard reminder runs exactly while this is not empty.</summary>
    [Id(2)] public List<Obligation> Obligations { get; set; } = [];

    /// <summary>Whether the legacy flags of a state stored before the journal existed were turned into obligations.</summary>
    [Id(3)] public bool Upgraded { get; set; }

    /// <summary>
    /// The newest entry the event log is known to hold. Advanced in memory once the log acknowledged,
    /// and stored with the flow's next write, never by a write of its own: after a crash the stored
    /// value may lag, and what lies after it goes out again (the log and its consumers drop repeats).
    /// </summary>
    [Id(4)] public long PublishedThrough { get; set; }

    /// <summary>How many moves of the flow's money ledger the log holds, on the same terms.</summary>
    [Id(5)] public int MoneyPublished { get; set; }
}

/// <summary>
/// One thing a flow owes: carried out by the flow's settlement, retried by its guard until done.
/// <see cref="Key"/> tells obligations of one kind apart (a notification's id); <see cref="DueAt"/>
/// is set on obligations that fall due at a time (an abandonment deadline, a poll).
/// </summary>
[GenerateSerializer, Immutable, Alias("caas.obligation")]
public sealed record Obligation(
    [property: Id(0)] ObligationKind Kind,
    [property: Id(1)] string Key = "",
    [property: Id(2)] DateTimeOffset? DueAt = null,
    [property: Id(3)] Money? Amount = null,
    [property: Id(4)] OutboxMessage? Notification = null,
    [property: Id(5)] Integration.AuthorizePayment? LostCreate = null);

[GenerateSerializer, Alias("caas.obligation-kind")]
public enum ObligationKind
{
    /// <summary>An authorisation may exist that nobody will capture: find and cancel it.</summary>
    Void = 0,
    /// <summary>The amount is decided and must reach the payment provider.</summary>
    Capture = 1,
    Refund = 2,
    /// <summary>A customer notification (NOT-1) that has not reached the provider yet.</summary>
    Notify = 3,
    /// <summary>A Ready order owes its registration with the country's body (REG-1).</summary>
    Register = 4,
    /// <summary>The flow was begun but not finished; past <see cref="Obligation.DueAt"/> it is given up and undone.</summary>
    FinishOrAbandon = 5,
    /// <summary>A paid purchase owes the start of its OTA activation.</summary>
    StartActivation = 6,
    /// <summary>An order at the Factory is polled when the Factory has been silent (FAC-4).</summary>
    FollowFactory = 7,
    /// <summary>An OTA command owes its attempts until one is confirmed or none is left (IOT-3).</summary>
    Attempt = 8,
    /// <summary>An OTA command owes its purchase the outcome.</summary>
    TellOwner = 9,
    /// <summary>PAY-10: a booking owes its hold, placed off-session on the saved card at <see cref="Obligation.DueAt"/>.</summary>
    Authorize = 10,
    /// <summary>PAY-10: a hold lapses before the rental can end; at <see cref="Obligation.DueAt"/> it is replaced.</summary>
    Renew = 11,
    /// <summary>PAY-10: the customer was asked to authenticate; unresolved at <see cref="Obligation.DueAt"/> the booking is cancelled without fee.</summary>
    GiveUpAuthentication = 12,
    /// <summary>A hold replaced by another is cancelled (<see cref="Obligation.Key"/> is its PaymentIntent).</summary>
    Release = 13,
    /// <summary>
    /// PAY-11: money owed that no hold covers (fines beyond it, fines after completion, a lapsed hold)
    /// is charged off-session on the saved card; <see cref="Obligation.Key"/> names the step, its amount never changes.
    /// </summary>
    Charge = 14,
    /// <summary>A returned rental owes the LOCK of its vehicle until the car confirms it or the wait is over (IOT-9, MOB-7).</summary>
    ConfirmLock = 20,
}
