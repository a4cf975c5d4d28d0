using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Operations;

/// <summary>
/// The unfinished flows of one kind and partition (ADM-1, stuck flows), as the log's events told
/// them. The log's consumer writes the rows (<see cref="IFlowIndexRows"/>) and acknowledges once they
/// are stored; the flows' own word on a stuck one (<see cref="ApplyAsync"/>) is written the same way.
/// The grain's own state is where a partition was kept whole before the rows: a partition still
/// stored that way moves to the rows when it is first asked for.
/// </summary>
public sealed class FlowIndexGrain(
    [PersistentState("flow-index", StorageNames.Grains)] IPersistentState<FlowIndexState> legacy,
    IFlowIndexRows rows,
    IOptionsMonitor<OperationsOptions> options,
    TimeProvider time) : Grain, IFlowIndexGrain
{
    private string Partition => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (legacy.State.Open.Count == 0)
        {
            return;
        }

        // The rows keep the newer of the two where the consumer has written the flow since.
        await rows.ApplyAsync(FlowIndexRows.NewestOf(legacy.State.Open.Values), ForgetFinishedBefore, cancellationToken);
        await legacy.ClearStateAsync(cancellationToken);
    }

    public Task<IReadOnlyList<FlowMoved>> ListAsync() => rows.ListAsync(Partition);

    public Task ApplyAsync(FlowMoved moved) => rows.ApplyAsync([moved], ForgetFinishedBefore);

    public async Task ClearAsync()
    {
        await rows.ClearAsync(Partition);
        if (legacy.RecordExists)
        {
            await legacy.ClearStateAsync();
        }
    }

    private DateTimeOffset ForgetFinishedBefore => time.GetUtcNow() - options.CurrentValue.FinishedMemory;
}

public static class FlowIndexing
{
    /// <summary>
    /// Keeps the newest word of each unfinished flow. The log re-sends after any outage, so an event at
    /// or below the flow's sequence already applied changes nothing (by time for words that carry no
    /// sequence), and a finished flow is not revived by a late one.
    /// </summary>
    /// <returns>Whether the index changed.</returns>
    public static bool Apply(Dictionary<string, FlowMoved> open, Dictionary<string, FlowMoved> finished, FlowMoved moved)
    {
        if (finished.TryGetValue(moved.FlowId, out var ended) && !IsNewer(moved, ended))
        {
            return false;
        }

        if (open.TryGetValue(moved.FlowId, out var known) && (!IsNewer(moved, known) || known == moved))
        {
            return false;
        }

        if (moved.Finished)
        {
            finished[moved.FlowId] = moved;
            open.Remove(moved.FlowId);
            return true;
        }

        open[moved.FlowId] = moved;
        return true;
    }

    private static bool IsNewer(FlowMoved moved, FlowMoved known) =>
        moved.Sequence > 0 && known.Sequence > 0 ? moved.Sequence > known.Sequence : moved.MovedAt >= known.MovedAt;
}
