using System.Diagnostics;
using CaaS.Grains.Abstractions.Events;
using CaaS.Grains.Abstractions.Flows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Events;

/// <summary>What a flow has not published yet: its events, and how far its journal's marks move once the log holds them.</summary>
public sealed record OutboxBatch(IReadOnlyList<CaaSEvent> Events, long EntriesThrough, int MoneyThrough)
{
    public static readonly OutboxBatch Empty = new([], 0, 0);
}

/// <summary>
/// Issue 14 point 1: a flow's outbox goes to the log after the state write that recorded it, at
/// least once and in order. Nothing is written for it and no reminder registered: the marks move in
/// memory and ride on the flow's next write; a publication the log refused is tried again on a grain
/// timer while the grain lives; one a crash cut off is found again when the grain activates, or by
/// the sweep (<see cref="OutboxSweepGrain"/>) when nothing activates it.
/// </summary>
public sealed partial class OutboxPublisher
{
    private readonly Grain _grain;
    private readonly Func<OutboxBatch> _pending;
    private readonly Func<FlowJournal> _journal;
    private readonly IEventLog _log;
    private readonly EventsOptions _options;
    private readonly ILogger _logger;
    private readonly PublicationFault? _fault;
    private IGrainTimer? _retry;

    public OutboxPublisher(Grain grain, Func<FlowJournal> journal, Func<OutboxBatch> pending)
    {
        _grain = grain;
        _journal = journal;
        _pending = pending;
        var services = ((IGrainBase)grain).GrainContext.ActivationServices;
        _log = services.GetRequiredService<IEventLog>();
        _options = services.GetRequiredService<IOptionsMonitor<EventsOptions>>().CurrentValue;
        _logger = services.GetRequiredService<ILogger<OutboxPublisher>>();
        _fault = services.GetService<PublicationFault>();
    }

    /// <summary>Whether a refused publication is waiting for its retry timer, which holds this publisher.</summary>
    public bool Retrying => _retry is not null;

    /// <summary>Whether anything recorded has not reached the log yet.</summary>
    public bool HasPending => _pending().Events.Count > 0;

    /// <summary>Called after each state write. Never throws: the flow's step has happened whatever the log says.</summary>
    public async Task PublishAsync()
    {
        var batch = _pending();
        if (batch.Events.Count == 0)
        {
            return;
        }

        _fault?.BeforePublishing(batch.Events[0]);
        try
        {
            await _log.PublishAsync(batch.Events);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogPublishFailed(_logger, exception, batch.Events[0].Subject, batch.Events.Count);
            _retry ??= _grain.RegisterGrainTimer(_ => RetryAsync(), new GrainTimerCreationOptions(_options.RetryEvery, _options.RetryEvery));
            return;
        }

        var journal = _journal();
        journal.PublishedThrough = Math.Max(journal.PublishedThrough, batch.EntriesThrough);
        journal.MoneyPublished = Math.Max(journal.MoneyPublished, batch.MoneyThrough);
        journal.Outbox.RemoveAll(entry => entry.Sequence <= journal.PublishedThrough);
        if (journal.Outbox.Count == 0)
        {
            // An emptied outbox keeps its array otherwise: a vehicle would carry it for as long as it is active.
            journal.Outbox.TrimExcess();
        }
    }

    /// <summary>Sends a snapshot of the flow (a rebuild), past the duplicate window: consumers that have it drop it by sequence.</summary>
    public Task RepublishAsync(Func<OutboxBatch> snapshot) => _log.PublishAsync(snapshot().Events, resend: true);

    /// <summary>On activation: whatever a previous activation stored but may not have published goes now (a repeat is harmless).</summary>
    public void PublishSoon()
    {
        if (HasPending)
        {
            _grain.RegisterGrainTimer(_ => PublishAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }
    }

    private async Task RetryAsync()
    {
        await PublishAsync();
        if (!HasPending)
        {
            _retry?.Dispose();
            _retry = null;
        }
    }

    /// <summary>W3C traceparent of the trace that recorded the entry; the span is new, as the publication is a step of its own.</summary>
    public static string? TraceParentOf(string? traceId)
    {
        if (traceId is null || traceId.Length != 32)
        {
            return Activity.Current?.Id is { } current && current.StartsWith("00-", StringComparison.Ordinal) ? current : null;
        }

        return $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Count} events of {Subject} failed; retrying while the grain lives, the sweep after")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string subject, int count);
}

/// <summary>
/// A fault point for the crash tests (issue 14's proof): when <c>Faults:DieBeforePublishing</c> names
/// an event kind (<c>booking</c>), the silo process dies right after a state write of that kind and
/// before its publication. Read only in Development; nothing registers it elsewhere.
/// </summary>
public sealed class PublicationFault(string kind)
{
    public const string Setting = "Faults:DieBeforePublishing";

    public void BeforePublishing(CaaSEvent first)
    {
        if (first.Id.StartsWith(kind + "/", StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"fault point {Setting}={kind}: dying between the state write and the publication of {first.Id}");
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }
    }
}
