namespace CaaS.Grains.Abstractions.Integration;

/// <summary>
/// The payment gateway (Stripe, through Stripe.net). Every command carries an idempotency key derived
/// from the caller's identity and step (for example "reservation-42/authorize"), so a retry after a
/// crash replays Stripe's first answer instead of charging again (PAY-9).
/// </summary>
public interface IPaymentAdapterGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Places a hold (PaymentIntent, manual capture). A decline throws <see cref="PaymentDeclinedException"/>;
    /// an intent that needs the customer to authenticate (on-session <c>requires_action</c>, or an
    /// off-session <c>authentication_required</c> decline) is answered, not thrown, with
    /// <see cref="PaymentStatus.RequiresAuthentication"/> and its client secret: it is not a hold.
    /// </summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<PaymentRecord> AuthorizeAsync(AuthorizePayment command);

    /// <summary>The Stripe Customer of a platform customer, created once per idempotency key (PAY-10: every booking saves the card).</summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<string> CreateCustomerAsync(string customerId, string idempotencyKey);

    /// <summary>Saves a card for off-session use without charging it (SetupIntent). A decline throws <see cref="PaymentDeclinedException"/>.</summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<SetupRecord> SetUpAsync(SetUpPayment command);

    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<SetupRecord> GetSetupAsync(string setupIntentId);

    /// <summary>
    /// PAY-11: raises an uncaptured hold to <paramref name="amount"/> in all, where its latest charge said
    /// incremental authorisation is available. Refused (unavailable, declined) it throws; the hold stays as it was.
    /// </summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<PaymentRecord> IncrementAuthorizationAsync(string paymentIntentId, Money amount, string idempotencyKey);

    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<PaymentRecord> CaptureAsync(string paymentIntentId, Money amount, string idempotencyKey);

    /// <summary>Releases an uncaptured hold.</summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<PaymentRecord> CancelAsync(string paymentIntentId, string idempotencyKey);

    /// <summary>Refunds captured money; null amount refunds what is left.</summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<RefundRecord> RefundAsync(string paymentIntentId, Money? amount, string idempotencyKey);

    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<PaymentRecord> GetAsync(string paymentIntentId);

    /// <summary>Every PaymentIntent whose metadata has that key and value (reconciliation, PAY-9).</summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<IReadOnlyList<PaymentRecord>> FindByMetadataAsync(string key, string value);

    /// <summary>Every PaymentIntent created in [from, before), all pages (reconciliation).</summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<IReadOnlyList<PaymentRecord>> ListAsync(DateTimeOffset? from, DateTimeOffset? before);

    /// <summary>The refunds of one PaymentIntent.</summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<IReadOnlyList<RefundRecord>> ListRefundsAsync(string paymentIntentId);

    /// <summary>WH-6: Stripe's events as it keeps them (30 days), for the ones no webhook brought.</summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<StripeEventPage> ListEventsAsync(StripeEventQuery query);

    /// <summary>
    /// SEC-7: deletes (<c>DELETE /v1/customers/{id}</c>) every Stripe Customer of the platform's customer:
    /// the ones the platform stored (<paramref name="known"/>: Stripe's search lags behind, so a Customer
    /// made a moment ago may not be found), those whose metadata names them, and those their
    /// PaymentIntents were made for. Answers the ids deleted now; none when Stripe holds none (any more).
    /// </summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<IReadOnlyList<string>> DeleteCustomersAsync(string customerId, IReadOnlyList<string>? known = null);
}

/// <summary>
/// Events of <paramref name="Types"/> created after the event <paramref name="After"/>, one page; or,
/// with no such event yet, every event created since <paramref name="CreatedFrom"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("caas.stripe-event-query")]
public sealed record StripeEventQuery(
    [property: Id(0)] string? After,
    [property: Id(1)] DateTimeOffset CreatedFrom,
    [property: Id(2)] IReadOnlyList<string> Types);

/// <summary>Each event as Stripe rendered it (JSON), oldest first; more follow the last one when <paramref name="HasMore"/>.</summary>
[GenerateSerializer, Immutable, Alias("caas.stripe-event-page")]
public sealed record StripeEventPage(
    [property: Id(0)] IReadOnlyList<string> Events,
    [property: Id(1)] bool HasMore);

/// <summary>
/// The metadata keys under which a flow's PaymentIntents name it: the flows write them, Stripe's
/// events are routed by them, voids and the reconciler find a flow's money by them.
/// </summary>
public static class PaymentMetadata
{
    public const string ReservationId = "reservationId";

    public const string PurchaseId = "purchaseId";

    /// <summary>The platform's customer, which the adapter adds to every PaymentIntent.</summary>
    public const string CustomerId = "customerId";
}

[GenerateSerializer, Immutable, Alias("caas.authorize-payment")]
public sealed record AuthorizePayment(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] Money Amount,
    [property: Id(2)] string PaymentMethodId,
    [property: Id(3)] string CustomerId,
    [property: Id(4)] string Description,
    [property: Id(5)] IReadOnlyDictionary<string, string> Metadata,
    [property: Id(6)] string? StripeCustomerId = null,
    [property: Id(7)] PaymentSession Session = PaymentSession.OneOff,
    [property: Id(8)] bool RequestExtendedAuthorization = false,
    [property: Id(9)] bool RequestIncrementalAuthorization = false);

/// <summary>Who is present when a payment is confirmed, and what the card is kept for.</summary>
[GenerateSerializer, Alias("caas.payment-session")]
public enum PaymentSession
{
    /// <summary>A one-off payment with the customer present; the card is not kept.</summary>
    OneOff = 0,

    /// <summary>With the customer present, keeping the card for off-session use (setup_future_usage=off_session).</summary>
    OnSessionSavingCard = 1,

    /// <summary>Merchant-initiated on the saved card, the customer absent (off_session=true).</summary>
    OffSession = 2,
}

[GenerateSerializer, Immutable, Alias("caas.set-up-payment")]
public sealed record SetUpPayment(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] string PaymentMethodId,
    [property: Id(2)] string StripeCustomerId,
    [property: Id(3)] IReadOnlyDictionary<string, string> Metadata);

[GenerateSerializer, Alias("caas.setup-status")]
public enum SetupStatus
{
    Succeeded = 0,
    RequiresAuthentication = 1,
    RequiresPaymentMethod = 2,
    Other = 3,
}

[GenerateSerializer, Immutable, Alias("caas.setup-record")]
public sealed record SetupRecord(
    [property: Id(0)] string SetupIntentId,
    [property: Id(1)] SetupStatus Status,
    [property: Id(2)] string? PaymentMethodId,
    [property: Id(3)] string? ClientSecret);

[GenerateSerializer, Alias("caas.payment-status")]
public enum PaymentStatus
{
    RequiresPaymentMethod = 0,
    RequiresCapture = 1,
    Succeeded = 2,
    Canceled = 3,
    Processing = 4,
    Other = 5,

    /// <summary>The customer must authenticate (3-D Secure) before anything is held.</summary>
    RequiresAuthentication = 6,
}

[GenerateSerializer, Immutable, Alias("caas.payment-record")]
public sealed record PaymentRecord(
    [property: Id(0)] string PaymentIntentId,
    [property: Id(1)] PaymentStatus Status,
    [property: Id(2)] Money Amount,
    [property: Id(3)] Money AmountCapturable,
    [property: Id(4)] Money AmountReceived,
    [property: Id(5)] IReadOnlyDictionary<string, string> Metadata,
    [property: Id(6)] DateTimeOffset? CaptureBefore = null,
    [property: Id(7)] string? ClientSecret = null,
    [property: Id(8)] string? PaymentMethodId = null,
    [property: Id(9)] bool ExtendedAuthorization = false,
    [property: Id(10)] bool IncrementalAuthorization = false);

[GenerateSerializer, Immutable, Alias("caas.refund-record")]
public sealed record RefundRecord(
    [property: Id(0)] string RefundId,
    [property: Id(1)] string PaymentIntentId,
    [property: Id(2)] Money Amount,
    [property: Id(3)] string Status);
