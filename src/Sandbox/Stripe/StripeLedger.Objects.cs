using System.Text.Json.Serialization;

namespace CaaS.Sandbox.Stripe;

/// <summary>The account's objects in Stripe's own JSON shapes, as Stripe.net reads them.</summary>
public sealed partial class StripeLedger
{
    public sealed record StoredAnswer(string Request, int Status, string Body);

    public sealed record ErrorWire(string Type, string? Code, string? DeclineCode, string Message, string? Param);

    public sealed record NextAction(string Type);

    public sealed record Customer(string Id, long Created, string? Description, Dictionary<string, string> Metadata)
    {
        public string Object => "customer";

        public bool Livemode => false;

        /// <summary>SEC-7: deleted at the platform's request; Stripe then answers {id, object, deleted: true} and leaves it out of searches.</summary>
        [System.Text.Json.Serialization.JsonIgnore]
        public bool Deleted { get; set; }

        [System.Text.Json.Serialization.JsonIgnore]
        public DateTimeOffset SearchableFrom { get; init; }
    }

    /// <summary>A card as a PaymentMethod: made fresh from a test token at each use; reusable only once attached to a Customer.</summary>
    public sealed class PaymentMethod
    {
        public required string Id { get; init; }

        public required TestCard Card { get; init; }

        public string? Customer { get; set; }

        /// <summary>Used by an intent already: without a Customer it may never be used again.</summary>
        public bool Used { get; set; }

        /// <summary>Set up for off-session use (a SetupIntent with usage off_session, or setup_future_usage=off_session).</summary>
        public bool SetUpOffSession { get; set; }

        /// <summary>Set by the control API: the issuer declines every charge on this card from now on, with this code.</summary>
        public string? DeclineCode { get; set; }
    }

    public sealed class SetupIntent
    {
        public required string Id { get; init; }

        public string Object => "setup_intent";

        public required string Status { get; set; }

        public required string? Customer { get; init; }

        public required string PaymentMethod { get; init; }

        public required string Usage { get; init; }

        public required string ClientSecret { get; init; }

        public NextAction? NextAction { get; set; }

        public ErrorWire? LastSetupError { get; set; }

        public required long Created { get; init; }

        public bool Livemode => false;

        public required Dictionary<string, string> Metadata { get; init; }
    }

    public sealed class PaymentIntent
    {
        public required string Id { get; init; }

        public string Object => "payment_intent";

        /// <summary>Raised by an incremental authorisation; otherwise as created.</summary>
        public required long Amount { get; set; }

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

        public string? Customer { get; init; }

        public string? SetupFutureUsage { get; init; }

        public required string ClientSecret { get; init; }

        public NextAction? NextAction { get; set; }

        public string? LatestCharge { get; set; }

        public long? CanceledAt { get; set; }

        public string? CancellationReason { get; set; }

        public ErrorWire? LastPaymentError { get; set; }

        /// <summary>Merchant-initiated (<c>off_session=true</c>): the shorter validity of such authorisations applies.</summary>
        [JsonIgnore]
        public bool OffSession { get; init; }

        [JsonIgnore]
        public bool ExtendedRequested { get; init; }

        /// <summary>When the authorisation lapses, by the money clock; set once authorised, shown on the charge.</summary>
        [JsonIgnore]
        public long? CaptureBefore { get; set; }

        [JsonIgnore]
        public bool Extended { get; set; }

        [JsonIgnore]
        public bool IncrementalRequested { get; init; }

        /// <summary>Search finds it from then on (<see cref="StripeLedger.SearchLag"/>); retrieve and list at once.</summary>
        [JsonIgnore]
        public DateTimeOffset SearchableFrom { get; init; }

        /// <summary>Incremental authorisation was asked for and the card allows it: the charge says "available".</summary>
        [JsonIgnore]
        public bool Incremental { get; set; }

        [JsonIgnore]
        public TestCard Card { get; init; } = TestCard.Tokens[Visa];

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
}
