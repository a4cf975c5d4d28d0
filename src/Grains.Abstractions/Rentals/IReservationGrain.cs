using Orleans.Concurrency;

namespace CaaS.Grains.Abstractions.Rentals;

/// <summary>
/// A reservation and the rental it becomes (the rental id is the reservation id), keyed by id. Its
/// state machine: Pending (being created) → Confirmed → Active (unlocked) → ReturnPending → Completed,
/// or Cancelled, PaymentFailed, Rejected (never confirmed).
/// </summary>
public interface IReservationGrain : Operations.IFlowGrain
{
    /// <summary>
    /// Creates the reservation, or answers as the first call did when the same request comes again
    /// (an Idempotency-Key maps to one reservation id). A creation left half done by a crash is
    /// resumed by the retry, or abandoned (hold released, authorisation voided) by its reminder.
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task<ReservationView> CreateAsync(CreateReservation request);

    /// <summary>The reservation as its customer sees it; null when there is none or it is another customer's (SEC-1).</summary>
    [ResponseTimeout(CallTimeouts.Read)]
    Task<ReservationView?> GetAsync(string customerId);

    [ResponseTimeout("00:02:00")]
    Task<ReservationView> CancelAsync(string customerId);

    /// <summary>
    /// PAY-10: the customer says they authenticated the payment the reservation waits for. The intent is
    /// read at Stripe: authorised (or the card saved), the booking is Confirmed; otherwise it keeps waiting.
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task<ReservationView> ConfirmPaymentAsync(string customerId);

    Task<UnlockResult> UnlockAsync(string customerId);

    [ResponseTimeout("00:02:00")]
    Task<ReservationView> ReturnAsync(string customerId, ReturnProof proof);

    /// <summary>A Stripe event about this reservation's payment (PAY-4).</summary>
    [ResponseTimeout("00:02:00")]
    Task OnPaymentEventAsync(PaymentEvent paymentEvent);

    /// <summary>FLT-2: maintenance was scheduled over this reservation's window.</summary>
    Task OnMaintenanceScheduledAsync(DateTimeOffset from, DateTimeOffset to);

    /// <summary>ADM-5: the reservation whoever's it is, for operators; null when there is none.</summary>
    [AlwaysInterleave]
    Task<ReservationView?> InspectAsync();

    /// <summary>
    /// ADM-2: an operator's verdict on a return that failed verification. Approved, the final amount
    /// is decided and captured as for a verified return; refused, the rental is Active again and the
    /// renter must return the vehicle properly.
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task<ReservationView> OverrideReturnVerificationAsync(bool approved, TransitionCause cause);

    /// <summary>
    /// ADM-3: adds a fine (or, negative, takes part of the fines back). Before the final capture it
    /// changes what is captured; after it, a reduction is refunded. Fines never total below zero.
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task<ReservationView> AdjustFineAsync(Money amount, TransitionCause cause);

    /// <summary>
    /// SEC-7: drops the positions and photos of the return and the notifications still owed, when the
    /// reservation is <paramref name="customerId"/>'s; the money (amounts, PaymentIntent, fines, ledger) stays.
    /// Null when it is not theirs.
    /// </summary>
    Task<ReservationErasure?> EraseCustomerDataAsync(string customerId);
}

[GenerateSerializer, Immutable, Alias("caas.reservation-erasure")]
public sealed record ReservationErasure(
    [property: Id(0)] string ReservationId,
    [property: Id(1)] IReadOnlyList<string> Removed,
    [property: Id(2)] IReadOnlyList<string> Kept);

[GenerateSerializer, Alias("caas.reservation-status")]
public enum ReservationStatus
{
    Pending = 0,
    Confirmed = 1,
    Active = 2,
    ReturnPending = 3,
    Completed = 4,
    Cancelled = 5,
    PaymentFailed = 6,
    Rejected = 7,
    /// <summary>PAY-10: the card needs the customer to authenticate (3-D Secure); nothing is held until they do.</summary>
    AwaitingAuthentication = 8,
}

[GenerateSerializer, Immutable, Alias("caas.create-reservation")]
public sealed record CreateReservation(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string VehicleId,
    [property: Id(2)] DateTimeOffset StartsAt,
    [property: Id(3)] DateTimeOffset EndsAt,
    [property: Id(4)] string PaymentMethodId);

[GenerateSerializer, Immutable, Alias("caas.return-proof")]
public sealed record ReturnProof(
    [property: Id(0)] double? OdometerKm,
    [property: Id(1)] int? EnergyPercent,
    [property: Id(2)] IReadOnlyList<string> PhotoUrls,
    [property: Id(3)] double? Latitude,
    [property: Id(4)] double? Longitude);

[GenerateSerializer, Immutable, Alias("caas.unlock-result")]
public sealed record UnlockResult([property: Id(0)] string? CommandId, [property: Id(1)] string Status);

/// <summary>
/// What the payment provider said about a payment, in the platform's own words: grains act on
/// <see cref="Kind"/>; <see cref="SourceType"/> is the provider's own name, kept for the record.
/// </summary>
[GenerateSerializer, Immutable, Alias("caas.payment-event")]
public sealed record PaymentEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string SourceType,
    [property: Id(2)] string PaymentIntentId,
    [property: Id(3)] DateTimeOffset OccurredAt,
    [property: Id(4)] string? FailureMessage,
    [property: Id(5)] PaymentEventKind Kind = PaymentEventKind.Other);

[GenerateSerializer, Alias("caas.payment-event-kind")]
public enum PaymentEventKind
{
    /// <summary>News the flows do not act on (and every event stored before kinds existed, until it is classified again).</summary>
    Other = 0,
    Succeeded = 1,
    Failed = 2,
    Canceled = 3,
}

[GenerateSerializer, Immutable, Alias("caas.fine")]
public sealed record Fine([property: Id(0)] string Reason, [property: Id(1)] Money Amount);

[GenerateSerializer, Immutable, Alias("caas.reservation-view")]
public sealed record ReservationView(
    [property: Id(0)] string Id,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string VehicleId,
    [property: Id(3)] string Vin,
    [property: Id(4)] DateTimeOffset StartsAt,
    [property: Id(5)] DateTimeOffset EndsAt,
    [property: Id(6)] ReservationStatus Status,
    [property: Id(7)] Money? AuthorizedAmount,
    [property: Id(8)] Money? CapturedAmount,
    [property: Id(9)] IReadOnlyList<Fine> Fines,
    [property: Id(10)] IReadOnlyList<TransitionRecord> History,
    [property: Id(11)] string? ErrorCode,
    [property: Id(12)] string? ErrorMessage,
    [property: Id(13)] IReadOnlyList<string> VerificationIssues,
    [property: Id(14)] Money? RefundedAmount,
    [property: Id(15)] DateTimeOffset CreatedAt,
    [property: Id(16)] PaymentAuthentication? Authentication = null,
    [property: Id(17)] DateTimeOffset? AuthorizationDueAt = null,
    [property: Id(18)] DateTimeOffset? HoldCaptureBefore = null,
    [property: Id(19)] DateTimeOffset? RenewalDueAt = null,
    [property: Id(20)] string? PaymentIntentId = null,
    [property: Id(21)] ReturnProof? ReturnProof = null,
    [property: Id(22)] Money? Owed = null,
    [property: Id(23)] Money? FinesCaptured = null,
    [property: Id(24)] Money? Debt = null,
    [property: Id(25)] IReadOnlyList<string>? ChargedIntents = null);

/// <summary>
/// PAY-10: what the app needs to let the customer authenticate: the Stripe intent (a PaymentIntent, or
/// a SetupIntent when the card is only being saved), its client secret for Stripe's SDK, and until when.
/// </summary>
[GenerateSerializer, Immutable, Alias("caas.payment-authentication")]
public sealed record PaymentAuthentication(
    [property: Id(0)] string IntentType,
    [property: Id(1)] string IntentId,
    [property: Id(2)] string ClientSecret,
    [property: Id(3)] DateTimeOffset AskedAt,
    [property: Id(4)] DateTimeOffset GiveUpAt)
{
    public const string PaymentIntent = "payment_intent";

    public const string SetupIntent = "setup_intent";
}
