using CaaS.Grains.Abstractions.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Events;

/// <summary>
/// Reads the log for one read model: fetches a batch, hands it to the read model, which writes it,
/// then acknowledges the batch. A batch that fails is applied again, never skipped (acknowledging a
/// later one would acknowledge it too); a silo that dies takes only unacknowledged events with it,
/// and the log delivers those again. A reminder brings the reader back on another silo.
/// </summary>
public sealed partial class EventConsumerGrain(
    IEventLog log,
    IRecentlyWrittenFlows flows,
    TimeProvider time,
    IEnumerable<ReadModelFeed> feeds,
    IOptionsMonitor<EventsOptions> options,
    ILogger<EventConsumerGrain> logger) : Grain, IEventConsumerGrain, IRemindable
{
    private const string KeepReading = "keep-reading";
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);
    private IReadOnlyList<LoggedEvent>? _unacknowledged;
    private long _position;
    private long _applied;
    private string? _lastError;
    private bool _rebuilding;

    private ReadModelFeed Feed => feeds.Single(feed => feed.Name == this.GetPrimaryKeyString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => ReadAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, Pause) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public async Task EnsureRunningAsync()
    {
        if (await this.GetReminder(KeepReading) is null)
        {
            await this.RegisterOrUpdateReminder(KeepReading, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
    }

    public Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status) => Task.CompletedTask;

    public async Task<int> RebuildAsync()
    {
        _rebuilding = true;
        try
        {
            _unacknowledged = null;
            await log.ResetAsync(Feed.Name, Feed.Filter);
            await Feed.ClearAsync(GrainFactory);
            // What the log no longer keeps comes from the flows themselves: each sends its current
            // state again, after the retained events, so the read model ends at each flow's newest word.
            var written = await flows.WrittenAsync(DateTimeOffset.MinValue, time.GetUtcNow());
            foreach (var chunk in written.Chunk(64))
            {
                await Task.WhenAll(chunk.Select(flow => flow.GrainIn(GrainFactory)?.RepublishAsync() ?? Task.CompletedTask));
            }

            LogRebuilding(logger, Feed.Name, written.Count);
            return written.Count;
        }
        finally
        {
            _rebuilding = false;
        }
    }

    public Task<ConsumerProgress> ProgressAsync() => Task.FromResult(new ConsumerProgress(Feed.Name, _position, _applied, _lastError));

    private async Task ReadAsync()
    {
        if (_rebuilding)
        {
            return;
        }

        var settings = options.CurrentValue;
        try
        {
            var batch = _unacknowledged ?? await log.FetchAsync(Feed.Name, Feed.Filter, settings.ConsumerBatch, settings.ConsumerWait);
            if (batch.Count == 0)
            {
                return;
            }

            _unacknowledged = batch;
            await Feed.ApplyAsync(GrainFactory, batch);
            await log.AckAsync(Feed.Name, batch[^1].Position);
            _unacknowledged = null;
            _position = batch[^1].Position;
            _applied += batch.Count;
            _lastError = null;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _lastError = exception.Message;
            LogBatchFailed(logger, exception, Feed.Name, _unacknowledged?.Count ?? 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read model {ReadModel}: a batch of {Count} events failed; it is applied again, nothing after it is acknowledged")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, string readModel, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read model {ReadModel}: emptied, reading the retained log again from its start after {Flows} flows sent their current state")]
    private static partial void LogRebuilding(ILogger logger, string readModel, int flows);
}
