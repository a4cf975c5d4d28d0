using Microsoft.Extensions.Primitives;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// Customers and SetupIntents: what saving a card for later needs (docs.stripe.com/payments/save-and-reuse).
/// A SetupIntent confirmed with a card attaches the PaymentMethod to its Customer, set up for the
/// usage it names; a 3-D Secure card asks for authentication first (<c>requires_action</c>).
/// </summary>
public static partial class StripeApi
{
    private static Outcome CreateCustomer(StripeLedger ledger, Dictionary<string, StringValues> form) =>
        new(200, ledger.CreateCustomer(form.GetValueOrDefault("description").ToString() is { Length: > 0 } d ? d : null, Metadata(form)), []);

    private static Outcome GetCustomer(StripeLedger ledger, string id) =>
        ledger.FindCustomer(id) is { } customer
            ? new Outcome(200, customer.Deleted ? Gone(customer) : customer, [])
            : MissingCustomer(id);

    /// <summary>SEC-7: what an erasure needs of Stripe's Customers besides create and read: search by one metadata clause, delete.</summary>
    private static void MapCustomers(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/customers/search", (string? query, HttpContext http, StripeLedger ledger, StripeEvents events) =>
            Get(http, ledger, events, () => SearchCustomers(ledger, query)));
        endpoints.MapDelete("/v1/customers/{id}", (string id, HttpContext http, StripeLedger ledger, StripeEvents events) => Get(http, ledger, events, () =>
        {
            if (ledger.FindCustomer(id) is not { Deleted: false } customer)
            {
                return MissingCustomer(id);
            }

            customer.Deleted = true;
            return new Outcome(200, Gone(customer), []);
        }));
    }

    private static Outcome SearchCustomers(StripeLedger ledger, string? query)
    {
        var match = query is null ? null : MetadataQuery().Match(query);
        if (match is not { Success: true })
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "Only metadata['key']:'value' queries are supported by the sandbox.", "query");
        }

        var data = ledger.CustomersWithMetadata(match.Groups["key"].Value, match.Groups["value"].Value).Where(customer => ledger.Searchable(customer.SearchableFrom)).ToArray();
        return new Outcome(200, new { @object = "search_result", data, has_more = false, next_page = (string?)null, url = "/v1/customers/search" }, []);
    }

    private static object Gone(StripeLedger.Customer customer) => new { id = customer.Id, @object = "customer", deleted = true };

    private static Outcome MissingCustomer(string id) =>
        Error(404, "invalid_request_error", "resource_missing", $"No such customer: '{id}'", "id");

    private static Outcome CreateSetup(StripeLedger ledger, Dictionary<string, StringValues> form)
    {
        if (form.GetValueOrDefault("confirm") != "true")
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "The sandbox supports SetupIntents created with confirm=true.", "confirm");
        }

        var customer = form.GetValueOrDefault("customer").ToString() is { Length: > 0 } named ? named : null;
        var usage = form.GetValueOrDefault("usage").ToString() is { Length: > 0 } asked ? asked : "off_session";
        if (usage is not ("on_session" or "off_session"))
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "usage is on_session or off_session.", "usage");
        }

        if (MethodFor(ledger, form, customer, out var method) is { } refused)
        {
            return refused;
        }

        var setup = ledger.CreateSetup(method, customer, usage, Metadata(form));
        switch (method.Card.Behaviour)
        {
            case CardBehaviour.Declines:
                method.Used = true;
                setup.Status = "requires_payment_method";
                setup.LastSetupError = new StripeLedger.ErrorWire("card_error", "card_declined", method.Card.DeclineCode, "Your card was declined.", null);
                return new Outcome(402, new
                {
                    error = new
                    {
                        type = "card_error",
                        code = "card_declined",
                        decline_code = method.Card.DeclineCode,
                        message = "Your card was declined.",
                        setup_intent = setup,
                    },
                }, [("setup_intent.setup_failed", setup)]);
            case CardBehaviour.AlwaysAuthenticate or CardBehaviour.AuthenticateUnlessSetUp:
                setup.Status = "requires_action";
                setup.NextAction = new StripeLedger.NextAction("use_stripe_sdk");
                return new Outcome(200, setup, [("setup_intent.requires_action", setup)]);
            default:
                setup.Status = "succeeded";
                ledger.Settle(method, customer, usage);
                return new Outcome(200, setup, [("setup_intent.succeeded", setup)]);
        }
    }

    private static Outcome GetSetup(StripeLedger ledger, string id) =>
        ledger.FindSetup(id) is { } setup
            ? new Outcome(200, setup, [])
            : Error(404, "invalid_request_error", "resource_missing", $"No such setupintent: '{id}'", "id");

    /// <summary>The customer completing the setup's 3-D Secure in the app (stripe.js confirmCardSetup / handleNextAction).</summary>
    private static Outcome AuthenticateSetup(StripeLedger ledger, string id, string? clientSecret, bool succeed)
    {
        if (ledger.FindSetup(id) is not { } setup)
        {
            return Error(404, "invalid_request_error", "resource_missing", $"No such setupintent: '{id}'", "id");
        }

        if (clientSecret != setup.ClientSecret)
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "The client_secret does not match this SetupIntent.", "client_secret");
        }

        if (setup.Status != "requires_action")
        {
            return Error(400, "invalid_request_error", "setup_intent_unexpected_state", $"This SetupIntent has a status of {setup.Status}.", null);
        }

        setup.NextAction = null;
        if (!succeed)
        {
            setup.Status = "requires_payment_method";
            setup.LastSetupError = new StripeLedger.ErrorWire("invalid_request_error", "setup_intent_authentication_failure", null,
                "We are unable to authenticate your payment method.", null);
            return new Outcome(200, setup, [("setup_intent.setup_failed", setup)]);
        }

        setup.Status = "succeeded";
        if (ledger.FindPaymentMethod(setup.PaymentMethod) is { } method)
        {
            ledger.Settle(method, setup.Customer, setup.Usage);
        }

        return new Outcome(200, setup, [("setup_intent.succeeded", setup)]);
    }
}
