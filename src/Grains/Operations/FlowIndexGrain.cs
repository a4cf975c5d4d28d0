using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Operations;

/// <summary>
/// The unfinished flows of one kind and partition, as the log's events told them (ADM-1, stuck
/// flows). The log's consumer hands it batches and acknowledges once the batch is written; the
/// flows' own word on a stuck one (<see cref="ApplyAsync"/>) is written on a timer
/// (<see cref="OperationsOptions.IndexFlushInterval"/>), as the log still holds what it corrects.
/// Reads are answered from memory.
/// </summary>
public sealed class FlowIndexGrain(
    [PersistentState("flow-index", StorageNames.Grains)] IPersistentState<FlowIndexState> state,
    IOptionsMonitor<OperationsOptions> options,
    TimeProvider time) : Grain, IFlowIndexGrain
{
    private readonly Dictionary<string, FlowMoved> _finished = [];
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.CurrentValue.IndexFlushInterval;
        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(every, every));
        return Task.CompletedTask;
    }

    public async Task ApplyEventsAsync(IReadOnlyList<FlowMoved> moves)
    {
        foreach (var moved in moves)
        {
            Apply(moved);
        }

        await FlushAsync(CancellationToken.None);
    }

    public async Task ClearAsync()
    {
        state.State.Open.Clear();
        _finished.Clear();
        _dirty = false;
        await state.WriteStateAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await FlushAsync(cancellationToken);

    public Task<IReadOnlyList<FlowMoved>> ListAsync() => Task.FromResult<IReadOnlyList<FlowMoved>>([.. state.State.Open.Values]);

    public Task ApplyAsync(FlowMoved moved)
    {
        Apply(moved);
        return Task.CompletedTask;
    }

    private void Apply(FlowMoved moved)
    {
        if (FlowIndexing.Apply(state.State.Open, _finished, moved))
        {
            _dirty = true;
            if (moved.Finished)
            {
                Forget(time.GetUtcNow() - options.CurrentValue.FinishedMemory);
            }
        }
    }

    private void Forget(DateTimeOffset before)
    {
        foreach (var (flowId, _) in _finished.Where(entry => entry.Value.MovedAt < before).ToList())
        {
            _finished.Remove(flowId);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await state.WriteStateAsync(cancellationToken);
        }
    }
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
