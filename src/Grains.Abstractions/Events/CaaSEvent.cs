namespace CaaS.Grains.Abstractions.Events;

/// <summary>
/// One event of the platform's log: a CloudEvent 1.0 (see <see cref="CloudEventJson"/>) and where it
/// goes. <see cref="Id"/> is <c>&lt;kind&gt;/&lt;entity&gt;/&lt;sequence&gt;</c>, so a re-send of the same
/// entry is the same message (JetStream drops it within its duplicate window, consumers by sequence after).
/// </summary>
/// <param name="Subject">The log subject, <c>caas.&lt;kinds&gt;.&lt;entity&gt;</c>.</param>
/// <param name="EntityId">The CloudEvent's <c>subject</c>: the reservation, order, purchase, command or VIN.</param>
/// <param name="Sequence">The entity's own numbering: strictly increasing per entity, so consumers keep the last one applied.</param>
/// <param name="Data">The event's <c>data</c>, JSON text.</param>
[GenerateSerializer, Immutable, Alias("caas.event")]
public sealed record CaaSEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string Subject,
    [property: Id(2)] string Type,
    [property: Id(3)] string EntityId,
    [property: Id(4)] long Sequence,
    [property: Id(5)] DateTimeOffset Time,
    [property: Id(6)] string DataSchema,
    [property: Id(7)] string Data,
    [property: Id(8)] string? TraceParent = null);

/// <summary>An event as the log holds it: <see cref="Position"/> is its place in the whole log (JetStream's stream sequence).</summary>
[GenerateSerializer, Immutable, Alias("caas.logged-event")]
public sealed record LoggedEvent(
    [property: Id(0)] long Position,
    [property: Id(1)] CaaSEvent Event);

/// <summary>A page of the log after a position; <see cref="Head"/> is the newest position the log held when it answered.</summary>
[GenerateSerializer, Immutable, Alias("caas.event-page")]
public sealed record EventPage(
    [property: Id(0)] IReadOnlyList<LoggedEvent> Events,
    [property: Id(1)] long Head);

/// <summary>
/// The embedded default's log (no <c>Events:Nats:Url</c>): kept in the silo's memory, as all of that
/// mode's state is, and read by the API host through this grain (ANA-2's SSE stream).
/// </summary>
public interface IEventLogGrain : IGrainWithIntegerKey
{
    /// <summary>Events after <paramref name="after"/> whose subject matches <paramref name="filter"/>; waits up to <paramref name="wait"/> when there are none yet.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<EventPage> ReadAsync(string filter, long after, int max, TimeSpan wait);

    Task<long> HeadAsync();
}

/// <summary>
/// One read model's reading of the log (key: the read model's name: <c>flow-index</c>, <c>revenue</c>,
/// <c>booking-days</c>): a single activation in the cluster, so each read model takes the log in order.
/// </summary>
public interface IEventConsumerGrain : IGrainWithStringKey
{
    /// <summary>Makes sure it reads, now and after any silo's death (a reminder brings it back).</summary>
    Task EnsureRunningAsync();

    /// <summary>
    /// Issue 14 point 4: empties the read model and reads the retained log again from its start, the
    /// flows storage holds sending their current state after it (older than the log keeps); answers how many flows.
    /// </summary>
    [ResponseTimeout("00:05:00")]
    Task<int> RebuildAsync();

    Task<ConsumerProgress> ProgressAsync();
}

/// <param name="Position">The log position of the newest event applied and acknowledged.</param>
[GenerateSerializer, Immutable, Alias("caas.consumer-progress")]
public sealed record ConsumerProgress([property: Id(0)] string Name, [property: Id(1)] long Position, [property: Id(2)] long Applied, [property: Id(3)] string? LastError);

/// <summary>Issue 14 point 1: looks, on a reminder, for flows written since its last look whose events a crash may have kept from the log.</summary>
public interface IOutboxSweepGrain : IGrainWithIntegerKey
{
    Task EnsureScheduledAsync();

    /// <summary>Touches every flow written since the last sweep (up to a few seconds ago); answers how many.</summary>
    Task<int> SweepAsync();
}

[GenerateSerializer, Alias("caas.outbox-sweep-state")]
public sealed class OutboxSweepState
{
    [Id(0)] public DateTimeOffset? SweptThrough { get; set; }
}
