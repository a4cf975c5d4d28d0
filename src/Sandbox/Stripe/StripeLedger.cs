using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// The fake Stripe account: Customers, PaymentMethods, SetupIntents, PaymentIntents with manual
/// capture and their refunds, in Stripe's own JSON shapes (snake_case, unix times, string ids), so
/// Stripe.net reads them as it reads Stripe. One lock guards the account: state transitions and
/// idempotency replays are serialised as Stripe serialises requests that share an idempotency key.
/// Holds are judged by the <see cref="MoneyClock"/>: each carries the <c>capture_before</c> its card
/// and kind of authorisation allow, and one left uncaptured past it is cancelled as Stripe cancels it.
/// </summary>
public sealed class StripeLedger(TimeProvider time, MoneyClock money)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public const string Visa = "pm_card_visa";
    public const string Declined = "pm_card_chargeDeclined";

    private readonly Dictionary<string, PaymentIntent> _intents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SetupIntent> _setups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Customer> _customers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PaymentMethod> _methods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredAnswer> _idempotency = new(StringComparer.Ordinal);

    public Lock Gate { get; } = new();

    public MoneyClock Money => money;

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

    public long Now => time.GetUtcNow().ToUnixTimeSeconds();

    public StoredAnswer? Replay(string key) => _idempotency.GetValueOrDefault(key);

    public void Remember(string key, StoredAnswer answer) => _idempotency[key] = answer;

    public Customer CreateCustomer(string? description, Dictionary<string, string> metadata)
    {
        var customer = new Customer("cus_" + NewId()[..14], Now, description, metadata);
        _customers[customer.Id] = customer;
        return customer;
    }

    public Customer? FindCustomer(string id) => _customers.GetValueOrDefault(id);

    /// <summary>Stripe's search leaves deleted Customers out.</summary>
    public IEnumerable<Customer> CustomersWithMetadata(string key, string value) =>
        _customers.Values.Where(customer => !customer.Deleted && customer.Metadata.TryGetValue(key, out var held) && held == value);

    /// <summary>A test token makes a new PaymentMethod each time, as at Stripe; an id names one made before.</summary>
    public PaymentMethod? ResolvePaymentMethod(string idOrToken)
    {
        if (TestCard.Tokens.TryGetValue(idOrToken, out var card))
        {
            var made = new PaymentMethod { Id = "pm_" + NewId(), Card = card };
            _methods[made.Id] = made;
            return made;
        }

        return _methods.GetValueOrDefault(idOrToken);
    }

    public PaymentMethod? FindPaymentMethod(string id) => _methods.GetValueOrDefault(id);

    public SetupIntent CreateSetup(PaymentMethod method, string? customer, string usage, Dictionary<string, string> metadata)
    {
        var id = "seti_" + NewId();
        var setup = new SetupIntent
        {
            Id = id, Status = "processing", Customer = customer, PaymentMethod = method.Id, Usage = usage,
            ClientSecret = $"{id}_secret_{NewId()}", Created = Now, Metadata = metadata,
        };
        _setups[id] = setup;
        return setup;
    }

    public SetupIntent? FindSetup(string id) => _setups.GetValueOrDefault(id);

    public IEnumerable<SetupIntent> Setups => _setups.Values;

    public PaymentIntent Create(long amount, string currency, PaymentMethod method, string? customer, string? description, Dictionary<string, string> metadata,
        string? setupFutureUsage, bool offSession, bool extendedRequested)
    {
        var id = "pi_" + NewId();
        var intent = new PaymentIntent
        {
            Id = id,
            Amount = amount,
            Currency = currency,
            Status = "processing",
            Created = Now,
            Description = description,
            Metadata = metadata,
            PaymentMethod = method.Id,
            Customer = customer,
            SetupFutureUsage = setupFutureUsage,
            ClientSecret = $"{id}_secret_{NewId()}",
            OffSession = offSession,
            ExtendedRequested = extendedRequested,
            Card = method.Card,
        };
        _intents[intent.Id] = intent;
        return intent;
    }

    /// <summary>The card authorised the amount: a charge exists, and its validity is counted from now on the money clock.</summary>
    public void Authorise(PaymentIntent intent, bool merchantInitiated)
    {
        intent.Status = "requires_capture";
        intent.AmountCapturable = intent.Amount;
        intent.NextAction = null;
        intent.LastPaymentError = null;
        intent.LatestCharge = "ch_" + NewId();
        intent.Extended = intent.ExtendedRequested;
        intent.CaptureBefore = (money.Now + intent.Card.Validity(merchantInitiated, intent.Extended)).ToUnixTimeSeconds();
    }

    /// <summary>What a succeeded payment or setup does to its PaymentMethod: used, and kept by the Customer when asked to.</summary>
    public void Settle(PaymentMethod method, string? customer, string? futureUsage)
    {
        method.Used = true;
        if (customer is not null && futureUsage is "off_session" or "on_session")
        {
            method.Customer = customer;
            method.SetUpOffSession |= futureUsage == "off_session";
        }
    }

    /// <summary>
    /// Stripe cancels an authorisation nobody captured in time (docs.stripe.com/payments/place-a-hold-on-a-payment-method:
    /// "the funds are released and the payment status changes to canceled"); the caller sends each one's payment_intent.canceled.
    /// </summary>
    public List<PaymentIntent> ExpireLapsed()
    {
        var now = money.Now.ToUnixTimeSeconds();
        var lapsed = _intents.Values.Where(intent => intent.Status == "requires_capture" && intent.CaptureBefore <= now).ToList();
        foreach (var intent in lapsed)
        {
            intent.Status = "canceled";
            intent.AmountCapturable = 0;
            intent.CanceledAt = Now;
            intent.CancellationReason = "automatic";
        }

        return lapsed;
    }

    public PaymentIntent? Find(string id) => _intents.GetValueOrDefault(id);

    public IEnumerable<PaymentIntent> WithMetadata(string key, string value) =>
        _intents.Values.Where(intent => intent.Metadata.TryGetValue(key, out var found) && found == value).OrderBy(intent => intent.Created);

    public IEnumerable<PaymentIntent> All => _intents.Values;

    public Charge ChargeOf(PaymentIntent intent) => new(intent.LatestCharge ?? "", intent.Amount, intent.AmountReceived, intent.Refunded,
        intent.Currency, intent.Id, intent.AmountReceived > 0 && intent.Refunded >= intent.AmountReceived, "succeeded", intent.Created, intent.Metadata);

    /// <summary>
    /// The intent as Stripe answers it; with <paramref name="expandCharge"/> its latest charge is the
    /// Charge object (<c>expand[]=latest_charge</c>), whose <c>payment_method_details.card.capture_before</c>
    /// is the only place Stripe tells how long the hold lasts.
    /// </summary>
    public JsonNode Render(PaymentIntent intent, bool expandCharge)
    {
        var node = JsonSerializer.SerializeToNode(intent, Json)!;
        if (expandCharge && intent.LatestCharge is not null)
        {
            node["latest_charge"] = RenderCharge(intent);
        }

        return node;
    }

    public JsonNode RenderCharge(PaymentIntent intent)
    {
        var charge = JsonSerializer.SerializeToNode(ChargeOf(intent), Json)!;
        charge["captured"] = intent.AmountReceived > 0;
        charge["payment_method"] = intent.PaymentMethod;
        charge["payment_method_details"] = new JsonObject
        {
            ["type"] = "card",
            ["card"] = new JsonObject
            {
                ["brand"] = intent.Card.Brand,
                ["last4"] = intent.Card.Last4,
                ["capture_before"] = intent.CaptureBefore,
                ["extended_authorization"] = new JsonObject { ["status"] = intent.Extended ? "enabled" : "disabled" },
            },
        };
        return charge;
    }

    public static string NewId() => Guid.NewGuid().ToString("N")[..24];
}
