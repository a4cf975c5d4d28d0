using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// The fake Stripe account: PaymentIntents with manual capture and their refunds, in Stripe's own
/// JSON shapes (snake_case, unix times, string ids), so Stripe.net reads them as it reads Stripe.
/// One lock guards the account: state transitions and idempotency replays are serialised as Stripe
/// serialises requests that share an idempotency key.
/// </summary>
public sealed class StripeLedger(TimeProvider time)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public const string Visa = "pm_card_visa";
    public const string Declined = "pm_card_chargeDeclined";

    private readonly Dictionary<string, PaymentIntent> _intents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredAnswer> _idempotency = new(StringComparer.Ordinal);

    public Lock Gate { get; } = new();

    public sealed record StoredAnswer(string Request, int Status, string Body);

    public sealed record ErrorWire(string Type, string? Code, string? DeclineCode, string Message, string? Param);

    public sealed class PaymentIntent
    {
        public required string Id { get; init; }

        public string Object => "payment_intent";

        public required long Amount { get; init; }

        public long AmountCapturable { get; set; }

        public long AmountReceived { get; set; }

        public required string Currency { get; init; }

        public required string Status { get; set; }

        public string CaptureMethod { get; init; } = "manual";

        public string ConfirmationMethod => "automatic";

        public required long Created { get; init; }

        public string? Description { get; init; }

        public bool Livemode => false;

        public required Dictionary<string, string> Metadata { get; init; }

        public required string PaymentMethod { get; init; }

        public string? LatestCharge { get; set; }

        public long? CanceledAt { get; set; }

        public ErrorWire? LastPaymentError { get; set; }

        [JsonIgnore]
        public List<Refund> Refunds { get; } = [];

        [JsonIgnore]
        public long Refunded => Refunds.Sum(refund => refund.Amount);
    }

    public sealed record Refund(string Id, long Amount, string Currency, string PaymentIntent, string? Charge, string Status, long Created,
        Dictionary<string, string> Metadata)
    {
        public string Object => "refund";
    }

    public sealed record Charge(string Id, long Amount, long AmountCaptured, long AmountRefunded, string Currency, string PaymentIntent,
        bool Refunded, string Status, long Created, Dictionary<string, string> Metadata)
    {
        public string Object => "charge";
    }

    public long Now => time.GetUtcNow().ToUnixTimeSeconds();

    public StoredAnswer? Replay(string key) => _idempotency.GetValueOrDefault(key);

    public void Remember(string key, StoredAnswer answer) => _idempotency[key] = answer;

    public PaymentIntent Create(long amount, string currency, string paymentMethod, string? description, Dictionary<string, string> metadata)
    {
        var intent = new PaymentIntent
        {
            Id = "pi_" + NewId(),
            Amount = amount,
            Currency = currency,
            Status = "requires_capture",
            AmountCapturable = amount,
            Created = Now,
            Description = description,
            Metadata = metadata,
            PaymentMethod = paymentMethod,
            LatestCharge = "ch_" + NewId(),
        };
        _intents[intent.Id] = intent;
        return intent;
    }

    public PaymentIntent? Find(string id) => _intents.GetValueOrDefault(id);

    public IEnumerable<PaymentIntent> WithMetadata(string key, string value) =>
        _intents.Values.Where(intent => intent.Metadata.TryGetValue(key, out var found) && found == value).OrderBy(intent => intent.Created);

    public IEnumerable<PaymentIntent> All => _intents.Values;

    public Charge ChargeOf(PaymentIntent intent) => new(intent.LatestCharge ?? "", intent.Amount, intent.AmountReceived, intent.Refunded,
        intent.Currency, intent.Id, intent.AmountReceived > 0 && intent.Refunded >= intent.AmountReceived, "succeeded", intent.Created, intent.Metadata);

    public static string NewId() => Guid.NewGuid().ToString("N")[..24];
}
