using System.Collections.Concurrent;
using Orleans.Storage;

namespace CaaS.Grains.Tests;

/// <summary>
/// The memory storage the grains use, with a record of every read and write and a way to make a write
/// fail: what proves which states a call touched, and what stands in for a process dying mid-call.
/// </summary>
public sealed class CountingGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentQueue<StorageOperation> _operations = new();
    private readonly ConcurrentDictionary<string, int> _failingWrites = new(StringComparer.Ordinal);
    private IGrainStorage? _inner;

    private IGrainStorage Inner => _inner ?? throw new InvalidOperationException("The silo has not built its storage yet.");

    public IGrainStorage Wrap(IGrainStorage inner)
    {
        _inner = inner;
        return this;
    }

    /// <summary>Everything from here on; a test reads what its own call did.</summary>
    public StorageMark Mark() => new(this, _operations.Count);

    /// <summary>The next <paramref name="count"/> writes of state <paramref name="stateName"/> throw, as if the silo had died instead.</summary>
    public void FailWrites(string stateName, int count = 1) => _failingWrites[stateName] = count;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _operations.Enqueue(new StorageOperation(false, stateName, grainId));
        return Inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_failingWrites.TryGetValue(stateName, out var left) && left > 0 && _failingWrites.TryUpdate(stateName, left - 1, left))
        {
            throw new IOException($"Injected failure writing {stateName} of {grainId}");
        }

        _operations.Enqueue(new StorageOperation(true, stateName, grainId));
        return Inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _operations.Enqueue(new StorageOperation(true, stateName, grainId));
        return Inner.ClearStateAsync(stateName, grainId, grainState);
    }

    public void Participate(ISiloLifecycle lifecycle) => (Inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    public sealed record StorageMark(CountingGrainStorage Storage, int From)
    {
        public IReadOnlyList<StorageOperation> Since() => [.. Storage._operations.Skip(From)];
    }
}

public sealed record StorageOperation(bool Write, string StateName, GrainId GrainId);
