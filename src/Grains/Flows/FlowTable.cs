using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Flows;

/// <summary>
/// A flow's state machine as data: the states a flow may start in, and for each state the states it
/// may move to. Every move of a flow is checked against its table, and docs/architecture.md draws
/// each table (a test keeps the drawing true).
/// </summary>
public sealed class FlowTable<TStatus> where TStatus : struct, Enum
{
    private readonly Dictionary<TStatus, HashSet<TStatus>> _allowed;

    public FlowTable(string flow, IEnumerable<TStatus> starts, IReadOnlyDictionary<TStatus, TStatus[]> allowed)
    {
        Flow = flow;
        Starts = starts.ToHashSet();
        _allowed = allowed.ToDictionary(entry => entry.Key, entry => entry.Value.ToHashSet());
    }

    /// <summary>The flow's name, as in <see cref="Abstractions.Operations.FlowKinds"/>.</summary>
    public string Flow { get; }

    public IReadOnlySet<TStatus> Starts { get; }

    /// <summary>Every allowed move, state by state (states that end the flow have none).</summary>
    public IEnumerable<(TStatus From, TStatus To)> Moves =>
        _allowed.SelectMany(entry => entry.Value.Select(to => (entry.Key, to)));

    /// <param name="from">null while the flow has not started.</param>
    public bool Allows(TStatus? from, TStatus to) =>
        from is { } current ? _allowed.TryGetValue(current, out var next) && next.Contains(to) : Starts.Contains(to);

    /// <summary>A state the flow never leaves.</summary>
    public bool IsFinal(TStatus status) => !_allowed.TryGetValue(status, out var next) || next.Count == 0;

    public void EnsureAllows(TStatus? from, TStatus to)
    {
        if (!Allows(from, to))
        {
            throw new DomainException(ErrorCodes.InvalidState,
                from is { } current ? $"A {Flow} that is {current} cannot become {to}." : $"A {Flow} cannot start as {to}.");
        }
    }
}
