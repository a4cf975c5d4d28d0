using Orleans.Concurrency;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Notifications;

namespace CaaS.Grains.Abstractions.Orders;

/// <summary>
/// A customer's vehicle ordered from the Factory (FAC), keyed by the platform's order id: placed
/// once, moved forward by the Factory's status webhooks or polls, registered with the country's
/// body (REG) and only then delivered.
/// </summary>
public interface IFactoryOrderGrain : Operations.IFlowGrain
{
    /// <summary>FAC-1: places the order synchronously; a failure leaves it PlacementFailed for a human decision.</summary>
    [ResponseTimeout("00:01:30")]
    Task<FactoryOrderView> PlaceAsync(PlaceFactoryOrder request);

    /// <summary>Null when no order has this id.</summary>
    [AlwaysInterleave]
    Task<FactoryOrderView?> GetAsync();

    /// <summary>FAC-2: a status the Factory reported; a duplicate or an older one changes nothing.</summary>
    Task OnFactoryStatusAsync(FactoryStatusUpdate update);

    /// <summary>The human decision FAC-1 and REG-1 wait for: try the failed step again.</summary>
    [ResponseTimeout("00:01:30")]
    Task<FactoryOrderView> RetryAsync(TransitionCause cause);

    /// <summary>The other human decision: give the order up.</summary>
    Task<FactoryOrderView> AbandonAsync(TransitionCause cause);

    /// <summary>REG-2: hands the vehicle over; only a registered vehicle can be delivered.</summary>
    Task<FactoryOrderView> DeliverAsync(TransitionCause cause);
}

[GenerateSerializer, Alias("caas.factory-order-status")]
public enum FactoryOrderStatus
{
    /// <summary>Being placed; never answered to a client.</summary>
    Placing = 0,
    Placed = 1,
    PlacementFailed = 2,
    Manufacturing = 3,
    Delayed = 4,
    Ready = 5,
    Registered = 6,
    RegistrationFailed = 7,
    Delivered = 8,
    Abandoned = 9,
}

[GenerateSerializer, Immutable, Alias("caas.place-factory-order")]
public sealed record PlaceFactoryOrder(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] VehicleSpec Spec);

[GenerateSerializer, Immutable, Alias("caas.factory-status-update")]
public sealed record FactoryStatusUpdate(
    [property: Id(0)] string Source,
    [property: Id(1)] string FactoryOrderId,
    [property: Id(2)] string Status,
    [property: Id(3)] string? Vin,
    [property: Id(4)] DateTimeOffset? EstimatedCompletionDate,
    [property: Id(5)] DateTimeOffset OccurredAt);

[GenerateSerializer, Immutable, Alias("caas.vehicle-registration-record")]
public sealed record RegistrationRecord(
    [property: Id(0)] string RegistrationId,
    [property: Id(1)] string PlateNumber,
    [property: Id(2)] DateTimeOffset RegisteredAt);

[GenerateSerializer, Immutable, Alias("caas.factory-order-view")]
public sealed record FactoryOrderView(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] VehicleSpec Spec,
    [property: Id(3)] FactoryOrderStatus Status,
    [property: Id(4)] string? FactoryOrderId,
    [property: Id(5)] DateTimeOffset? EstimatedCompletionDate,
    [property: Id(6)] string? Vin,
    [property: Id(7)] RegistrationRecord? Registration,
    [property: Id(8)] string? LastError,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] IReadOnlyList<TransitionRecord> History);

[GenerateSerializer, Alias("caas.factory-order-state")]
public sealed class FactoryOrderState : Flows.IFlowState<FactoryOrderStatus>
{
    [Id(0)] public PlaceFactoryOrder? Request { get; set; }
    [Id(1)] public FactoryOrderStatus Status { get; set; }
    [Id(2)] public string? FactoryOrderId { get; set; }
    [Id(3)] public DateTimeOffset? EstimatedCompletionDate { get; set; }
    [Id(4)] public string? Vin { get; set; }
    [Id(5)] public RegistrationRecord? Registration { get; set; }
    [Id(6)] public string? LastError { get; set; }
    [Id(7)] public DateTimeOffset CreatedAt { get; set; }
    [Id(8)] public DateTimeOffset? UpdatedAt { get; set; }
    /// <summary>When the Factory last told us anything (webhook or poll): FAC-4 polls after a silence.</summary>
    [Id(9)] public DateTimeOffset? LastFactoryNewsAt { get; set; }
    /// <summary>The occurredAt of the newest Factory status applied: nothing older is applied (FAC-2).</summary>
    [Id(10)] public DateTimeOffset? LastFactoryStatusAt { get; set; }
    [Id(13)] public List<TransitionRecord> History { get; set; } = [];
    [Id(14)] public Flows.FlowJournal Journal { get; set; } = new();

    // Written by versions before the flow journal; read once by the upgrade into it, never written again.
    [Id(11)] public bool LegacyRegistrationOwed { get; set; }
    [Id(12)] public List<OutboxMessage>? LegacyOutbox { get; set; }
}

/// <summary>The statuses the Factory reports, by their wire names (FAC-2).</summary>
public static class FactoryStatuses
{
    public const string Placed = "PLACED";
    public const string Manufacturing = "MANUFACTURING";
    public const string Delayed = "DELAYED";
    public const string Ready = "READY";

    public static bool IsKnown(string status) => status is Placed or Manufacturing or Delayed or Ready;
}
