namespace CaaS.Sandbox.Stripe;

/// <summary>How a test card answers, as Stripe's test cards do (stripe.com/testing).</summary>
public enum CardBehaviour
{
    Succeeds,
    Declines,

    /// <summary>Authentication on every transaction, set up or not, off-session too (Stripe's "always authenticate" card).</summary>
    AlwaysAuthenticate,

    /// <summary>Authentication on-session and at setup; once set up for off-session use, off-session payments go through.</summary>
    AuthenticateUnlessSetUp,
}

/// <summary>A test card behind one of Stripe's test PaymentMethod tokens.</summary>
public sealed record TestCard(string Token, string Brand, string Last4, CardBehaviour Behaviour, string? DeclineCode = null, string Country = "US")
{
    /// <summary>
    /// The tokens Stripe documents, each making a new PaymentMethod at every use (a token is not a
    /// saved card: the PaymentMethod it makes is what a Customer keeps).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TestCard> Tokens = new[]
    {
        new TestCard("pm_card_visa", "visa", "4242", CardBehaviour.Succeeds),
        new TestCard("pm_card_mastercard", "mastercard", "4444", CardBehaviour.Succeeds),
        new TestCard("pm_card_chargeDeclined", "visa", "0002", CardBehaviour.Declines, "generic_decline"),
        new TestCard("pm_card_visa_chargeDeclinedInsufficientFunds", "visa", "9995", CardBehaviour.Declines, "insufficient_funds"),
        new TestCard("pm_card_authenticationRequired", "visa", "3184", CardBehaviour.AlwaysAuthenticate),
        new TestCard("pm_card_authenticationRequiredOnSetup", "visa", "3155", CardBehaviour.AuthenticateUnlessSetUp),
        // Stripe's German test card: issued where strong customer authentication applies.
        new TestCard("pm_card_de", "visa", "0016", CardBehaviour.Succeeds, Country: "DE"),
    }.ToDictionary(card => card.Token, StringComparer.Ordinal);

    /// <summary>
    /// How long an authorisation on this card may be captured (docs.stripe.com/payments/place-a-hold-on-a-payment-method):
    /// 7 days customer-initiated, 5 days for a merchant-initiated Visa one, 7 for other brands; up
    /// to 30 days with an extended authorisation (docs.stripe.com/payments/extended-authorization).
    /// </summary>
    /// <summary>Extended authorisations: Visa, Mastercard, American Express and Discover, in every region (docs.stripe.com/payments/extended-authorization).</summary>
    public bool AllowsExtendedAuthorization => Brand is "visa" or "mastercard" or "amex" or "discover";

    /// <summary>
    /// Whether an authorisation on this card may be incremented (docs.stripe.com/payments/incremental-authorization):
    /// Visa, Mastercard and Discover, and not where strong customer authentication applies (the EEA).
    /// </summary>
    public bool AllowsIncrementalAuthorization =>
        Brand is "visa" or "mastercard" or "discover" && !StrongCustomerAuthenticationCountries.Contains(Country);

    private static readonly HashSet<string> StrongCustomerAuthenticationCountries =
        ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "GB"];

    public TimeSpan Validity(bool merchantInitiated, bool extended) =>
        extended ? TimeSpan.FromDays(30)
        : merchantInitiated && Brand == "visa" ? TimeSpan.FromDays(5)
        : TimeSpan.FromDays(7);
}
