using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Operations;

/// <summary>
/// The unfinished flows of one kind and partition, as their events told them (ADM-1, stuck flows).
/// Writes are coalesced on a timer (<see cref="OperationsOptions.IndexFlushInterval"/>) because every
/// reservation moves through it; reads are answered from memory.
/// </summary>
[ImplicitStreamSubscription(FlowIndex.Namespace)]
public sealed class FlowIndexGrain(
    [PersistentState("flow-index", StorageNames.Grains)] IPersistentState<FlowIndexState> state,
    IOptionsMonitor<OperationsOptions> options,
    TimeProvider time) : Grain, IFlowIndexGrain
{
    private readonly Dictionary<string, DateTimeOffset> _finished = [];
    private bool _dirty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.SubscribeOwnStreamAsync<FlowMoved>(FlowIndex.Namespace, moved =>
        {
            Apply(moved);
            return Task.CompletedTask;
        });
        var every = options.CurrentValue.IndexFlushInterval;
        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(every, every));
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
        foreach (var (flowId, finishedAt) in _finished.Where(entry => entry.Value < before).ToList())
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
    /// Keeps the newest word of each unfinished flow. The stream may repeat or reorder events, so an
    /// event older than what is known changes nothing, and a finished flow is not revived by a late one.
    /// </summary>
    /// <returns>Whether the index changed.</returns>
    public static bool Apply(Dictionary<string, FlowMoved> open, Dictionary<string, DateTimeOffset> finished, FlowMoved moved)
    {
        if (finished.TryGetValue(moved.FlowId, out var finishedAt) && finishedAt >= moved.MovedAt)
        {
            return false;
        }

        if (open.TryGetValue(moved.FlowId, out var known) && (known.MovedAt > moved.MovedAt || known == moved))
        {
            return false;
        }

        if (moved.Finished)
        {
            finished[moved.FlowId] = moved.MovedAt;
            open.Remove(moved.FlowId);
            return true;
        }

        open[moved.FlowId] = moved;
        return true;
    }
}
