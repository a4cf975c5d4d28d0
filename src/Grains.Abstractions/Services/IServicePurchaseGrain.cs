using CaaS.Grains.Abstractions.Notifications;
using CaaS.Grains.Abstractions.Rentals;
using Orleans.Concurrency;

namespace CaaS.Grains.Abstractions.Services;

/// <summary>
/// A vehicle service bought for a customer's vehicle (WEB-1): maintenance checked with VSS, payment
/// authorised fire-and-assume (PAY-6), switched on over the air by an OTA command grain, and
/// captured only once the vehicle confirms the activation (IOT-4).
/// </summary>
public interface IServicePurchaseGrain : Operations.IFlowGrain
{
    /// <summary>Answers once the activation has started; maintenance and payment are checked first.</summary>
    [ResponseTimeout("00:02:30")]
    Task<ServicePurchaseView> StartAsync(StartServicePurchase request);

    /// <summary>Null when no purchase has this id.</summary>
    [AlwaysInterleave]
    Task<ServicePurchaseView?> GetAsync();

    /// <summary>The OTA command grain's verdict; hearing it twice changes nothing.</summary>
    Task OnActivationFinishedAsync(OtaOutcome outcome);

    /// <summary>PAY-6: Stripe's later word on the payment (settled, or failed after all).</summary>
    Task OnPaymentEventAsync(PaymentEvent paymentEvent);
}

[GenerateSerializer, Alias("caas.service-purchase-status")]
public enum ServicePurchaseStatus
{
    Validating = 0,
    Activating = 1,
    Active = 2,
    Blocked = 3,
    Failed = 4,
}

[GenerateSerializer, Immutable, Alias("caas.start-service-purchase")]
public sealed record StartServicePurchase(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string Vin,
    [property: Id(2)] string ServiceCode,
    [property: Id(3)] string PaymentMethodId);

[GenerateSerializer, Immutable, Alias("caas.ota-outcome")]
public sealed record OtaOutcome(
    [property: Id(0)] string CommandId,
    [property: Id(1)] bool Activated,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string? Error);

[GenerateSerializer, Immutable, Alias("caas.service-purchase-view")]
public sealed record ServicePurchaseView(
    [property: Id(0)] string PurchaseId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string Vin,
    [property: Id(3)] string ServiceCode,
    [property: Id(4)] ServicePurchaseStatus Status,
    [property: Id(5)] bool Charged,
    [property: Id(6)] int Attempts,
    [property: Id(7)] Money? Price,
    [property: Id(8)] string? Settlement,
    [property: Id(9)] string? ErrorCode,
    [property: Id(10)] string? ErrorMessage,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] IReadOnlyList<TransitionRecord> History);

[GenerateSerializer, Alias("caas.service-purchase-state")]
public sealed class ServicePurchaseState : Flows.IFlowState<ServicePurchaseStatus>
{
    [Id(0)] public StartServicePurchase? Request { get; set; }
    [Id(1)] public ServicePurchaseStatus Status { get; set; }
    [Id(2)] public Money? Price { get; set; }
    [Id(3)] public string? PaymentIntentId { get; set; }
    [Id(4)] public bool Charged { get; set; }
    [Id(5)] public int Attempts { get; set; }
    /// <summary>PAY-6: null until Stripe says; then "confirmed" or "failed".</summary>
    [Id(9)] public string? Settlement { get; set; }
    [Id(10)] public string? ErrorCode { get; set; }
    [Id(11)] public string? ErrorMessage { get; set; }
    [Id(12)] public DateTimeOffset CreatedAt { get; set; }
    [Id(13)] public DateTimeOffset? UpdatedAt { get; set; }
    [Id(15)] public List<TransitionRecord> History { get; set; } = [];

    /// <summary>ADM-4: every movement of money at Stripe for this purchase.</summary>
    [Id(16)] public List<Operations.MoneyMoved> MoneyMoves { get; set; } = [];

    [Id(17)] public Flows.FlowJournal Journal { get; set; } = new();

    /// <summary>
    /// OBS-2: the W3C traceparent of the request that started the purchase, so the steps its reminder
    /// and the OTA command's timer take later are spans of the same trace. Null for purchases stored before it.
    /// </summary>
    [Id(18)] public string? TraceParent { get; set; }

    // Written by versions before the flow journal, which kept obligations as flags; read once by the
    // upgrade into the journal, never written again.
    [Id(6)] public bool LegacyOtaStarted { get; set; }
    [Id(7)] public bool LegacyCapturePending { get; set; }
    [Id(8)] public bool LegacyVoidPending { get; set; }
    [Id(14)] public List<OutboxMessage>? LegacyOutbox { get; set; }
}

public static class ServicePurchases
{
    /// <summary>The OTA command grain that switches a purchase's service on (one per purchase).</summary>
    public static string OtaCommandIdOf(string purchaseId) => "ota-" + purchaseId;
}
