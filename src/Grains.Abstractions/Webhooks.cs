using Orleans.Concurrency;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Abstractions;

/// <summary>
/// One received webhook or event, keyed "{source}:{message id}" (WH-3): it is processed once, a
/// duplicate is acknowledged without effect, and one that fails is kept as a dead letter (WH-6).
/// </summary>
public interface IWebhookInboxGrain : IGrainWithStringKey
{
    [ResponseTimeout("00:03:00")]
    Task<InboxOutcome> ProcessAsync(InboundWebhook webhook);

    /// <summary>Processes a dead letter again through the same path; still once at most.</summary>
    [ResponseTimeout("00:03:00")]
    Task<InboxOutcome> ReplayAsync();

    /// <summary>
    /// The raw body as it arrived, null when none was recorded: where a dead letter's body is kept, once.
    /// It only reads what was recorded, so it interleaves instead of waiting for a replay in flight.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<string?> BodyAsync();

    /// <summary>SEC-7: when the retention dropped what the webhook carried; null while it is kept (or nothing was ever received).</summary>
    Task<DateTimeOffset?> BodyDroppedAtAsync();
}

[GenerateSerializer, Alias("caas.inbox-outcome")]
public enum InboxOutcome
{
    Processed = 0,
    Duplicate = 1,
    Failed = 2,
}

[GenerateSerializer, Immutable, Alias("caas.inbound-webhook")]
public sealed record InboundWebhook(
    [property: Id(0)] string Source,
    [property: Id(1)] string MessageId,
    [property: Id(2)] string Body,
    [property: Id(3)] IReadOnlyDictionary<string, string> Headers,
    [property: Id(4)] DateTimeOffset ReceivedAt,
    [property: Id(5)] WebhookMessage Message,
    [property: Id(6)] InboundVia Via = InboundVia.Webhook)
{
    /// <summary>The longest message id a source may send: it is part of the inbox's grain key (WH-3).</summary>
    public const int MaxMessageIdLength = 200;
}

/// <summary>How a message reached the inbox: pushed by its source, or fetched from its API because no webhook came (WH-6).</summary>
[GenerateSerializer, Alias("caas.inbound-via")]
public enum InboundVia
{
    Webhook = 0,
    Fetched = 1,
    /// <summary>Read from its source's event stream (Fleet Management's fleet.events.&gt; on JetStream).</summary>
    Streamed = 2,
}

/// <summary>
/// WH-6 for Stripe: its events are fetched from <c>GET /v1/events</c> when no webhook came for a while
/// and on a schedule, and go through the same inbox as webhooks, so whichever comes second is a duplicate.
/// </summary>
public interface IStripeEventRecoveryGrain : IGrainWithIntegerKey
{
    /// <summary>Registers the reminder that keeps the recovery running (a silo's startup task).</summary>
    Task EnsureScheduledAsync();

    /// <summary>A Stripe webhook arrived: the quiet period starts again. One-way, so the intake never waits on it.</summary>
    [OneWay]
    Task WebhookArrivedAsync(DateTimeOffset at);

    /// <summary>Fetches now whatever is due or not (ops, tests); the events go through their inboxes.</summary>
    [ResponseTimeout("00:05:00")]
    Task<StripeRecoveryRun> FetchAsync();

    Task<StripeRecoveryStatus> GetStatusAsync();
}

/// <summary>One fetch: how many events Stripe listed, how many of them no webhook had brought, how many failed processing.</summary>
[GenerateSerializer, Immutable, Alias("caas.stripe-recovery-run")]
public sealed record StripeRecoveryRun(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] int Listed,
    [property: Id(2)] int Recovered,
    [property: Id(3)] int Failed);

[GenerateSerializer, Immutable, Alias("caas.stripe-recovery-status")]
public sealed record StripeRecoveryStatus(
    [property: Id(0)] string? Cursor,
    [property: Id(1)] DateTimeOffset? LastFetchAt,
    [property: Id(2)] DateTimeOffset? LastWebhookAt,
    [property: Id(3)] long RecoveredTotal,
    [property: Id(4)] StripeRecoveryRun? LastRun);

[GenerateSerializer, Alias("caas.stripe-recovery-state")]
public sealed class StripeRecoveryState
{
    /// <summary>The newest event a fetch has seen: the next fetch asks for what came after it.</summary>
    [Id(0)] public string? Cursor { get; set; }
    [Id(1)] public DateTimeOffset? LastFetchAt { get; set; }
    [Id(2)] public long RecoveredTotal { get; set; }
    [Id(3)] public StripeRecoveryRun? LastRun { get; set; }
}

/// <summary>What a webhook says, already verified and parsed at the edge.</summary>
[GenerateSerializer, Alias("caas.webhook-message")]
public abstract record WebhookMessage;

[GenerateSerializer, Immutable, Alias("caas.fleet-status-changed")]
public sealed record FleetStatusChanged(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Vin,
    [property: Id(2)] VehicleStatus Status,
    [property: Id(3)] DateTimeOffset OccurredAt) : WebhookMessage;

[GenerateSerializer, Immutable, Alias("caas.fleet-maintenance-scheduled")]
public sealed record FleetMaintenanceScheduled(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Vin,
    [property: Id(2)] DateTimeOffset From,
    [property: Id(3)] DateTimeOffset To,
    [property: Id(4)] DateTimeOffset OccurredAt) : WebhookMessage;

/// <summary>FAC-2: <paramref name="OrderId"/> is the platform's order, which the Factory keeps as the order's reference.</summary>
[GenerateSerializer, Immutable, Alias("caas.factory-status-reported")]
public sealed record FactoryStatusReported(
    [property: Id(0)] string OrderId,
    [property: Id(1)] Orders.FactoryStatusUpdate Update) : WebhookMessage;

[GenerateSerializer, Immutable, Alias("caas.stripe-payment-message")]
public sealed record StripePaymentMessage(
    [property: Id(0)] PaymentEvent Event,
    [property: Id(1)] string? ReservationId,
    [property: Id(2)] string? PurchaseId) : WebhookMessage;

[GenerateSerializer, Alias("caas.inbox-state")]
public sealed class InboxState
{
    [Id(0)] public InboundWebhook? Webhook { get; set; }
    [Id(1)] public bool Processed { get; set; }
    [Id(2)] public int Attempts { get; set; }
    [Id(3)] public string? LastError { get; set; }
    [Id(4)] public DateTimeOffset? ProcessedAt { get; set; }

    /// <summary>SEC-7: set when <see cref="Webhook"/> was dropped after the retention; the inbox's key (the id) still refuses a second delivery.</summary>
    [Id(5)] public DateTimeOffset? BodyDroppedAt { get; set; }

    /// <summary>When the dropped webhook had been received, kept for the record.</summary>
    [Id(6)] public DateTimeOffset? ReceivedAt { get; set; }
}

/// <summary>
/// SEC-7: an inbox drops its body when it is activated or called past the retention; this finds, on a
/// reminder, the inboxes nothing calls again and touches each one once its retention has passed.
/// </summary>
public interface IWebhookRetentionSweepGrain : IGrainWithIntegerKey
{
    Task EnsureScheduledAsync();

    /// <summary>Touches the inboxes last written before the retention that the last sweep did not reach; answers how many.</summary>
    [ResponseTimeout("00:05:00")]
    Task<int> SweepAsync();
}

[GenerateSerializer, Alias("caas.webhook-retention-sweep-state")]
public sealed class WebhookRetentionSweepState
{
    /// <summary>Inboxes last written before this were touched already; a dropped body writes its inbox anew, so it moves past this.</summary>
    [Id(0)] public DateTimeOffset? SweptThrough { get; set; }
}
