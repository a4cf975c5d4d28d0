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
    [property: Id(5)] WebhookMessage Message);

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
}
