using CaaS.Grains.Abstractions.Events;
using Orleans.Concurrency;

namespace CaaS.Grains.Events;

/// <summary>
/// The log as the API host reads it (ANA-2's SSE stream), through the Orleans client whichever log
/// the silo has, so the stream works in the embedded default too. Local to each silo and reentrant:
/// readers wait on the log, not on each other.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class EventLogGrain(IEventLog log) : Grain, IEventLogGrain
{
    private const int MaxPage = 500;

    public Task<EventPage> ReadAsync(string filter, long after, int max, TimeSpan wait) =>
        log.ReadAsync(filter, after, Math.Clamp(max, 1, MaxPage), wait);

    public Task<long> HeadAsync() => log.HeadAsync();
}
