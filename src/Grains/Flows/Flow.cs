using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;

namespace CaaS.Grains.Flows;

/// <summary>
/// The one place a flow's history grows. A move is checked against the flow's table; a change that
/// leaves the flow where it is (a fine, a refund, a settlement) is recorded as an entry of its own
/// kind. Either way the entry is numbered, appended to the bounded history and queued in the outbox,
/// all in memory: the caller's next state write stores them together with the change itself.
/// </summary>
public static class Flow
{
    public static bool HasStarted<TStatus>(this IFlowState<TStatus> state) where TStatus : struct, Enum =>
        state.History.Count > 0 || state.Journal.Sequence > 0;

    public static TransitionRecord Move<TStatus>(this IFlowState<TStatus> state, FlowTable<TStatus> table, TStatus to,
        TransitionCause cause, DateTimeOffset now, FlowOptions options) where TStatus : struct, Enum
    {
        TStatus? from = state.HasStarted() ? state.Status : null;
        table.EnsureAllows(from, to);
        var entry = Append(state, from?.ToString() ?? "None", to.ToString(), cause, FlowEntryKind.Moved, now, options);
        state.Status = to;
        return entry;
    }

    public static TransitionRecord Record<TStatus>(this IFlowState<TStatus> state, FlowEntryKind kind, TransitionCause cause,
        DateTimeOffset now, FlowOptions options) where TStatus : struct, Enum
    {
        if (kind == FlowEntryKind.Moved)
        {
            throw new ArgumentException("A move goes through Move, which checks it against the flow's table.", nameof(kind));
        }

        var here = state.Status.ToString();
        return Append(state, here, here, cause, kind, now, options);
    }

    private static TransitionRecord Append<TStatus>(IFlowState<TStatus> state, string from, string to, TransitionCause cause,
        FlowEntryKind kind, DateTimeOffset now, FlowOptions options) where TStatus : struct, Enum
    {
        var journal = state.Journal;
        journal.Sequence++;
        var entry = TransitionHistory.Record(now, from, to, cause, kind, journal.Sequence);
        TransitionHistory.Append(state.History, entry);
        journal.Outbox.Add(entry);
        var excess = journal.Outbox.Count - options.OutboxLimit;
        if (excess > 0)
        {
            journal.Outbox.RemoveRange(0, excess);
        }

        return entry;
    }
}
