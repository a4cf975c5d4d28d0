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
public sealed partial class StripeLedger(TimeProvider time, MoneyClock money, IConfiguration configuration)
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

    public long Now => time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>
    /// How long an object takes to appear in search results. Stripe's search is eventually consistent:
    /// "data is searchable in less than a minute, up to an hour during outages", and not for
    /// read-after-write flows (docs.stripe.com/search). Sandbox:Stripe:SearchLag, 2 s unless set.
    /// </summary>
    public TimeSpan SearchLag => SearchLagOverride ?? configuration.GetValue("Sandbox:Stripe:SearchLag", TimeSpan.FromSeconds(2));

    /// <summary>
    /// Whether the account may use extended and incremental authorisations: Stripe offers them on IC+
    /// pricing only (docs.stripe.com/payments/extended-authorization, docs.stripe.com/payments/incremental-authorization),
    /// so an account on blended pricing asks and is refused (status "disabled" / "unavailable").
    /// Sandbox:Stripe:FlexibleAcquiring, true unless set; <c>POST /sandbox/stripe/account</c> changes it at run time.
    /// </summary>
    public bool FlexibleAcquiring => FlexibleAcquiringOverride ?? configuration.GetValue("Sandbox:Stripe:FlexibleAcquiring", true);

    public bool? FlexibleAcquiringOverride { get; set; }

    /// <summary>Set through the control API (<c>POST /sandbox/stripe/search-lag</c>) to play a search index behind by minutes, as in an outage.</summary>
    public TimeSpan? SearchLagOverride { get; set; }

    /// <summary>When an object made now is searchable.</summary>
    public DateTimeOffset SearchableFrom() => time.GetUtcNow() + SearchLag;

    public bool Searchable(DateTimeOffset searchableFrom) => searchableFrom <= time.GetUtcNow();

    public StoredAnswer? Replay(string key) => _idempotency.GetValueOrDefault(key);

    public void Remember(string key, StoredAnswer answer) => _idempotency[key] = answer;

    public Customer CreateCustomer(string? description, Dictionary<string, string> metadata)
    {
        var customer = new Customer("cus_" + NewId()[..14], Now, description, metadata) { SearchableFrom = SearchableFrom() };
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
        string? setupFutureUsage, bool offSession, bool extendedRequested, bool incrementalRequested = false)
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
            IncrementalRequested = incrementalRequested,
            Card = method.Card,
            SearchableFrom = SearchableFrom(),
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
        intent.Extended = intent.ExtendedRequested && FlexibleAcquiring && intent.Card.AllowsExtendedAuthorization;
        intent.Incremental = intent.IncrementalRequested && FlexibleAcquiring && intent.Card.AllowsIncrementalAuthorization;
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
                ["incremental_authorization"] = new JsonObject { ["status"] = intent.Incremental ? "available" : "unavailable" },
            },
        };
        return charge;
    }

    public static string NewId() => Guid.NewGuid().ToString("N")[..24];
}
