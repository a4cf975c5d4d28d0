using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Operations;

/// <summary>
/// The flow index (ADM-1, stuck flows) as one row per flow under its partition key (issue 18): a
/// batch of the log writes the flows it carries, never a whole partition again. A row keeps the newest
/// word of its flow (<see cref="FlowIndexing.Apply"/>); a finished flow's row stays for
/// <see cref="OperationsOptions.FinishedMemory"/>, so a late event cannot revive it.
/// </summary>
/// <remarks>Its keys are partitions (<see cref="FlowIndex.KeyOf"/>), and a partition lists its unfinished flows only.</remarks>
public interface IFlowIndexRows : IReadModelRows<FlowMoved>
{
    /// <summary>Returns once every row is stored; finished flows that finished before <paramref name="forgetFinishedBefore"/> are dropped.</summary>
    Task ApplyAsync(IReadOnlyList<FlowMoved> moves, DateTimeOffset forgetFinishedBefore, CancellationToken cancellationToken = default);
}

public static class FlowIndexRows
{
    /// <summary>
    /// The newest word of each flow a batch carries, as applying them one by one would leave it: a
    /// statement may touch a row only once. In key order, so writers cannot deadlock each other.
    /// </summary>
    public static IReadOnlyList<FlowMoved> NewestOf(IEnumerable<FlowMoved> moves)
    {
        var open = new Dictionary<string, FlowMoved>(StringComparer.Ordinal);
        var finished = new Dictionary<string, FlowMoved>(StringComparer.Ordinal);
        foreach (var moved in moves)
        {
            FlowIndexing.Apply(open, finished, moved);
        }

        return [.. open.Values.Concat(finished.Values.Where(ended => !open.ContainsKey(ended.FlowId)))
            .OrderBy(moved => FlowIndex.KeyOf(moved.Kind, moved.FlowId), StringComparer.Ordinal).ThenBy(moved => moved.FlowId, StringComparer.Ordinal)];
    }
}

/// <summary>The embedded default's flow index: in the silo's memory, like its grain storage, and lost with it.</summary>
public sealed class InMemoryFlowIndexRows : IFlowIndexRows
{
    private readonly Dictionary<string, (Dictionary<string, FlowMoved> Open, Dictionary<string, FlowMoved> Finished)> _partitions = new(StringComparer.Ordinal);

    public Task ApplyAsync(IReadOnlyList<FlowMoved> moves, DateTimeOffset forgetFinishedBefore, CancellationToken cancellationToken = default)
    {
        lock (_partitions)
        {
            foreach (var moved in moves)
            {
                var key = FlowIndex.KeyOf(moved.Kind, moved.FlowId);
                if (!_partitions.TryGetValue(key, out var partition))
                {
                    _partitions[key] = partition = (new(StringComparer.Ordinal), new(StringComparer.Ordinal));
                }

                FlowIndexing.Apply(partition.Open, partition.Finished, moved);
            }

            foreach (var (_, finished) in _partitions.Values)
            {
                foreach (var flowId in finished.Where(entry => entry.Value.MovedAt < forgetFinishedBefore).Select(entry => entry.Key).ToList())
                {
                    finished.Remove(flowId);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<FlowMoved>> ListAsync(string partition, CancellationToken cancellationToken = default)
    {
        lock (_partitions)
        {
            return Task.FromResult<IReadOnlyList<FlowMoved>>(_partitions.TryGetValue(partition, out var rows) ? [.. rows.Open.Values] : []);
        }
    }

    public Task ClearAsync(string partition, CancellationToken cancellationToken = default)
    {
        lock (_partitions)
        {
            _partitions.Remove(partition);
        }

        return Task.CompletedTask;
    }
}
