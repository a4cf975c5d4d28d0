using CaaS.Grains.Abstractions.Events;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Events;

/// <summary>
/// The embedded default's log: the events in the silo's memory, numbered as JetStream numbers them,
/// with its duplicate window and its retention, so the platform behaves the same on both. Only for
/// one silo with state in memory: what it holds dies with the silo, as all of that mode's state does.
/// </summary>
public sealed class InProcessEventLog(IOptionsMonitor<EventsOptions> options, TimeProvider time) : IEventLog
{
    private readonly Lock _gate = new();
    private readonly List<LoggedEvent> _events = [];
    private readonly Dictionary<string, DateTimeOffset> _recentIds = [];
    private readonly Dictionary<string, long> _acknowledged = [];
    private long _head;
    private TaskCompletionSource _appended = NewSignal();

    public Task PublishAsync(IReadOnlyList<CaaSEvent> events, CancellationToken cancellationToken = default, bool resend = false)
    {
        TaskCompletionSource appended;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var window = options.CurrentValue.DuplicateWindow;
            foreach (var cloudEvent in events)
            {
                if (!resend && _recentIds.TryGetValue(cloudEvent.Id, out var seenAt) && now - seenAt < window)
                {
                    continue;
                }

                _recentIds[cloudEvent.Id] = now;
                _events.Add(new LoggedEvent(++_head, cloudEvent));
            }

            Forget(now, window);
            appended = _appended;
            _appended = NewSignal();
        }

        appended.TrySetResult();
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<LoggedEvent>> FetchAsync(string consumer, string filter, int max, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        long after;
        lock (_gate)
        {
            after = _acknowledged.GetValueOrDefault(consumer);
        }

        return (await ReadAsync(filter, after, max, wait, cancellationToken)).Events;
    }

    public Task AckAsync(string consumer, long position, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _acknowledged[consumer] = Math.Max(_acknowledged.GetValueOrDefault(consumer), position);
        }

        return Task.CompletedTask;
    }

    public Task ResetAsync(string consumer, string filter, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _acknowledged.Remove(consumer);
        }

        return Task.CompletedTask;
    }

    public async Task<EventPage> ReadAsync(string filter, long after, int max, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            Task appended;
            lock (_gate)
            {
                var page = PageAfter(filter, after, max);
                if (page.Events.Count > 0 || time.GetUtcNow() >= deadline)
                {
                    return page;
                }

                appended = _appended.Task;
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining > TimeSpan.Zero)
            {
                await Task.WhenAny(appended, Task.Delay(remaining, time, cancellationToken));
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public Task<long> HeadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_head);
        }
    }

    private EventPage PageAfter(string filter, long after, int max)
    {
        var found = new List<LoggedEvent>();
        var first = _events.BinarySearch(new LoggedEvent(after + 1, null!), PositionOrder.Instance);
        for (var i = first < 0 ? ~first : first; i < _events.Count && found.Count < max; i++)
        {
            if (EventSubjects.Matches(filter, _events[i].Event.Subject))
            {
                found.Add(_events[i]);
            }
        }

        return new EventPage(found, _head);
    }

    private void Forget(DateTimeOffset now, TimeSpan window)
    {
        if (_recentIds.Count > 10_000)
        {
            foreach (var (id, _) in _recentIds.Where(seen => now - seen.Value >= window).ToList())
            {
                _recentIds.Remove(id);
            }
        }

        var keepFrom = now - options.CurrentValue.Retention;
        if (_events.Count > 0 && _events[0].Event.Time < keepFrom)
        {
            var kept = _events.FindIndex(logged => logged.Event.Time >= keepFrom);
            _events.RemoveRange(0, kept < 0 ? _events.Count : kept);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class PositionOrder : IComparer<LoggedEvent>
    {
        public static readonly PositionOrder Instance = new();

        public int Compare(LoggedEvent? x, LoggedEvent? y) => x!.Position.CompareTo(y!.Position);
    }
}
