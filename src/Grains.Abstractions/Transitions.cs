using System.Diagnostics;
using System.Text.Json.Serialization;

namespace CaaS.Grains.Abstractions;

/// <summary>
/// One entry of a flow's history, as operators read it (ADM-5): a move from one state to another, or
/// (<see cref="Kind"/> other than <see cref="FlowEntryKind.Moved"/>) a change that leaves the flow
/// where it is, with <see cref="From"/> and <see cref="To"/> both naming that state.
/// <see cref="Sequence"/> numbers a flow's entries from 1; entries stored before it existed read 0.
/// </summary>
[GenerateSerializer, Immutable, Alias("caas.transition")]
public sealed record TransitionRecord(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string From,
    [property: Id(2)] string To,
    [property: Id(3)] string Cause,
    [property: Id(4)] string? TraceId,
    [property: Id(5)] string? Actor,
    [property: Id(6)] FlowEntryKind Kind = FlowEntryKind.Moved,
    [property: Id(7)] long Sequence = 0);

/// <summary>What a history entry records. The names are the contract's (GraphQL `kind`): never renamed.</summary>
[GenerateSerializer, Alias("caas.flow-entry-kind")]
[JsonConverter(typeof(JsonStringEnumConverter<FlowEntryKind>))]
public enum FlowEntryKind
{
    Moved = 0,
    FineAdjusted = 1,
    Refunded = 2,
    Recharged = 3,
    MaintenanceFlagged = 4,
    Captured = 5,
    SettlementConfirmed = 6,
    SettlementFailed = 7,
    ReturnApproved = 8,
    /// <summary>PAY-10: a hold was placed after booking (off-session before the start, or again after one lapsed).</summary>
    Authorized = 9,
    /// <summary>PAY-10: a hold that would have lapsed before the end was replaced (what was owed captured first, for a rental under way).</summary>
    HoldRenewed = 10,
    /// <summary>PAY-11: money owed beyond the hold, or found after completion, charged off-session on the saved card.</summary>
    FineCharged = 11,
    /// <summary>PAY-11: an off-session charge the bank refused; the amount is a debt for ops (debt/{rentalId}).</summary>
    DebtRecorded = 12,
    /// <summary>PAY-11: Stripe refused the final capture; retried with backoff, then handed to ops.</summary>
    CaptureRefused = 13,
    /// <summary>PAY-11: the hold was raised (incremental authorisation) to cover fines before the capture.</summary>
    HoldIncremented = 14,
    /// <summary>The car confirmed the LOCK sent at return.</summary>
    VehicleLocked = 20,
    /// <summary>The car did not confirm the LOCK within Rentals:LockWait; ops were alerted.</summary>
    LockUnconfirmed = 21,
}

/// <summary>Who or what asked for a transition, carried from the edge into the grain.</summary>
[GenerateSerializer, Immutable, Alias("caas.cause")]
public sealed record TransitionCause(
    [property: Id(0)] string Reason,
    [property: Id(1)] string? Actor = null,
    [property: Id(2)] string? TraceId = null)
{
    public static TransitionCause Automatic(string reason) => new(reason, "system");
}

public static class TransitionHistory
{
    /// <summary>
    /// Long-lived grains (a vehicle lives for years) must not grow their persisted state without
    /// bound, so only the most recent moves are kept; older ones belong to the event stream.
    /// </summary>
    public const int MaxEntries = 200;

    public static void Append(List<TransitionRecord> history, TransitionRecord record)
    {
        history.Add(record);
        var excess = history.Count - MaxEntries;
        if (excess > 0)
        {
            history.RemoveRange(0, excess);
        }
    }

    public static TransitionRecord Record(DateTimeOffset at, string from, string to, TransitionCause cause,
        FlowEntryKind kind = FlowEntryKind.Moved, long sequence = 0) =>
        new(at, from, to, cause.Reason, cause.TraceId ?? Activity.Current?.TraceId.ToString(), cause.Actor, kind, sequence);
}
