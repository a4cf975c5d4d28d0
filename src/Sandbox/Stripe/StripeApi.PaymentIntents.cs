using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// PaymentIntents with manual capture: create (authorise, or ask for authentication), capture,
/// cancel, and the events each sends. Cards behave as Stripe's test cards do: a token makes a new
/// PaymentMethod each use, a PaymentMethod used once without a Customer may not be used again
/// (docs.stripe.com/api/payment_methods/attach), a 3-D Secure card asks for authentication on-session
/// (<c>requires_action</c>) and declines <c>authentication_required</c> off-session
/// (docs.stripe.com/declines/codes), and the latest charge says until when the hold may be captured.
/// </summary>
public static partial class StripeApi
{
    public const string AuthenticationRequired = "authentication_required";

    private static Outcome Create(StripeLedger ledger, Dictionary<string, StringValues> form)
    {
        if (!long.TryParse(form.GetValueOrDefault("amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return Error(400, "invalid_request_error", "parameter_invalid_integer", "amount must be a positive integer.", "amount");
        }

        var currency = form.GetValueOrDefault("currency").ToString();
        if (currency.Length != 3)
        {
            return Error(400, "invalid_request_error", "parameter_missing", "currency is required.", "currency");
        }

        if (form.GetValueOrDefault("capture_method") != "manual" || form.GetValueOrDefault("confirm") != "true")
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "The sandbox supports capture_method=manual with confirm=true.", "capture_method");
        }

        var customer = form.GetValueOrDefault("customer").ToString() is { Length: > 0 } named ? named : null;
        var futureUsage = form.GetValueOrDefault("setup_future_usage").ToString() is { Length: > 0 } usage ? usage : null;
        if (futureUsage is not (null or "on_session" or "off_session"))
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "setup_future_usage is on_session or off_session.", "setup_future_usage");
        }

        var offSession = form.GetValueOrDefault("off_session") == "true";
        if (offSession && futureUsage is not null)
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "off_session cannot be combined with setup_future_usage.", "off_session");
        }

        if (MethodFor(ledger, form, customer, out var method) is { } refused)
        {
            return refused;
        }

        var metadata = Metadata(form);
        var extended = form.GetValueOrDefault("payment_method_options[card][request_extended_authorization]") == "if_available";
        var incremental = form.GetValueOrDefault("payment_method_options[card][request_incremental_authorization]") == "if_available";
        var intent = ledger.Create(amount, currency.ToLowerInvariant(), method, customer,
            form.GetValueOrDefault("description").ToString() is { Length: > 0 } d ? d : null, metadata, futureUsage, offSession, extended, incremental);
        var expand = WantsCharge(form);
        var card = method.Card;
        if (card.Behaviour == CardBehaviour.Declines || method.DeclineCode is not null)
        {
            method.Used = true;
            return CardError(ledger, intent, new StripeLedger.ErrorWire("card_error", "card_declined", method.DeclineCode ?? card.DeclineCode, "Your card was declined.", null));
        }

        var needsAuthentication = card.Behaviour == CardBehaviour.AlwaysAuthenticate
            || (card.Behaviour == CardBehaviour.AuthenticateUnlessSetUp && !(offSession && method.SetUpOffSession && method.Customer == customer));
        if (needsAuthentication && offSession)
        {
            // Nobody is there to authenticate: the bank's soft decline, for the app to bring the customer back.
            method.Used = true;
            return CardError(ledger, intent, new StripeLedger.ErrorWire("card_error", AuthenticationRequired, AuthenticationRequired,
                "Your card was declined. This transaction requires authentication.", null));
        }

        if (needsAuthentication)
        {
            intent.Status = "requires_action";
            intent.NextAction = new StripeLedger.NextAction("use_stripe_sdk");
            return new Outcome(200, ledger.Render(intent, expand), [("payment_intent.requires_action", intent)]);
        }

        ledger.Authorise(intent, merchantInitiated: offSession);
        ledger.Settle(method, customer, futureUsage);
        return new Outcome(200, ledger.Render(intent, expand), [("payment_intent.amount_capturable_updated", intent)]);
    }

    /// <summary>
    /// The PaymentMethod a request names, as Stripe would accept it: a test token makes a new one;
    /// a PaymentMethod already used without a Customer, or saved to another Customer, is refused.
    /// </summary>
    private static Outcome? MethodFor(StripeLedger ledger, Dictionary<string, StringValues> form, string? customer, out StripeLedger.PaymentMethod method)
    {
        method = null!;
        if (customer is not null && ledger.FindCustomer(customer) is null)
        {
            return Error(400, "invalid_request_error", "resource_missing", $"No such customer: '{customer}'", "customer");
        }

        var named = form.GetValueOrDefault("payment_method").ToString();
        if (ledger.ResolvePaymentMethod(named) is not { } found)
        {
            return Error(400, "invalid_request_error", "resource_missing", $"No such PaymentMethod: '{named}'", "payment_method");
        }

        if (found.Customer is null && found.Used)
        {
            return Error(400, "invalid_request_error", null,
                "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account "
                + "without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, "
                + "you must attach it to a Customer first.", "payment_method");
        }

        if (found.Customer is not null && found.Customer != customer)
        {
            return Error(400, "invalid_request_error", null,
                $"The provided PaymentMethod belongs to a Customer ('{found.Customer}'); pass that Customer to use it.", "customer");
        }

        method = found;
        return null;
    }

    private static Outcome CardError(StripeLedger ledger, StripeLedger.PaymentIntent intent, StripeLedger.ErrorWire error)
    {
        intent.Status = "requires_payment_method";
        intent.AmountCapturable = 0;
        intent.LastPaymentError = error;
        return new Outcome(402, new
        {
            error = new
            {
                type = error.Type,
                code = error.Code,
                decline_code = error.DeclineCode,
                message = error.Message,
                payment_intent = ledger.Render(intent, false),
            },
        }, [("payment_intent.payment_failed", intent)]);
    }

    private static Dictionary<string, string> Metadata(IEnumerable<KeyValuePair<string, StringValues>> form) =>
        form.Where(pair => pair.Key.StartsWith("metadata[", StringComparison.Ordinal) && pair.Key.EndsWith(']'))
            .ToDictionary(pair => pair.Key["metadata[".Length..^1], pair => pair.Value.ToString(), StringComparer.Ordinal);

    /// <summary>Stripe.net asks for an expansion as <c>expand[0]=latest_charge</c> (or <c>data.latest_charge</c> on a list).</summary>
    private static bool WantsCharge(IEnumerable<KeyValuePair<string, StringValues>> parameters) =>
        parameters.Any(pair => pair.Key.StartsWith("expand", StringComparison.Ordinal)
            && pair.Value.Any(value => value is "latest_charge" or "data.latest_charge"));

    private static Outcome Capture(StripeLedger ledger, string id, Dictionary<string, StringValues> form)
    {
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        if (intent.Status != "requires_capture")
        {
            return UnexpectedState(intent, "capture");
        }

        var amount = intent.AmountCapturable;
        if (form.TryGetValue("amount_to_capture", out var requested)
            && (!long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out amount) || amount <= 0 || amount > intent.AmountCapturable))
        {
            return Error(400, "invalid_request_error", "amount_too_large", "amount_to_capture must be positive and at most amount_capturable.", "amount_to_capture");
        }

        intent.Status = "succeeded";
        intent.AmountReceived = amount;
        intent.AmountCapturable = 0;
        return new Outcome(200, ledger.Render(intent, WantsCharge(form)), [("payment_intent.succeeded", intent)]);
    }

    /// <summary>
    /// Raises an uncaptured authorisation to a new total (docs.stripe.com/payments/incremental-authorization):
    /// only where the charge said incremental authorisation is available; otherwise Stripe answers an error.
    /// </summary>
    private static Outcome IncrementAuthorization(StripeLedger ledger, string id, Dictionary<string, StringValues> form)
    {
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        if (intent.Status != "requires_capture")
        {
            return UnexpectedState(intent, "increment");
        }

        if (!long.TryParse(form.GetValueOrDefault("amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= intent.Amount)
        {
            return Error(400, "invalid_request_error", "parameter_invalid_integer", "amount must be greater than the PaymentIntent's current amount.", "amount");
        }

        if (!intent.Incremental)
        {
            return Error(400, "invalid_request_error", "incremental_authorization_unavailable",
                "This PaymentIntent's authorization cannot be incremented: incremental authorization is unavailable for its card.", null);
        }

        intent.Amount = amount;
        intent.AmountCapturable = amount;
        return new Outcome(200, ledger.Render(intent, WantsCharge(form)), [("payment_intent.amount_capturable_updated", intent)]);
    }

    private static Outcome Cancel(StripeLedger ledger, string id, Dictionary<string, StringValues> form)
    {
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        if (intent.Status is not ("requires_capture" or "requires_payment_method" or "requires_action"))
        {
            return UnexpectedState(intent, "cancel");
        }

        intent.Status = "canceled";
        intent.AmountCapturable = 0;
        intent.NextAction = null;
        intent.CanceledAt = ledger.Now;
        intent.CancellationReason = form.GetValueOrDefault("cancellation_reason").ToString() is { Length: > 0 } reason ? reason : null;
        return new Outcome(200, ledger.Render(intent, WantsCharge(form)), [("payment_intent.canceled", intent)]);
    }

    /// <summary>
    /// The customer, in the app, completing what the intent asked for with its client secret (stripe.js
    /// handleNextAction; for an off-session decline, confirmCardPayment with the saved card first):
    /// authenticated, the hold is placed as a customer-initiated one; failed, the intent needs a new attempt.
    /// </summary>
    private static Outcome AuthenticatePayment(StripeLedger ledger, string id, string? clientSecret, bool succeed)
    {
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        if (clientSecret != intent.ClientSecret)
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "The client_secret does not match this PaymentIntent.", "client_secret");
        }

        var waiting = intent.Status == "requires_action"
            || (intent.Status == "requires_payment_method" && intent.LastPaymentError?.Code == AuthenticationRequired);
        if (!waiting)
        {
            return UnexpectedState(intent, "authenticat");
        }

        if (!succeed)
        {
            intent.Status = "requires_payment_method";
            intent.NextAction = null;
            intent.LastPaymentError = new StripeLedger.ErrorWire("invalid_request_error", "payment_intent_authentication_failure", null,
                "We are unable to authenticate your payment method. Please choose a different payment method and try again.", null);
            return new Outcome(200, ledger.Render(intent, false), [("payment_intent.payment_failed", intent)]);
        }

        ledger.Authorise(intent, merchantInitiated: false);
        if (ledger.FindPaymentMethod(intent.PaymentMethod) is { } method)
        {
            ledger.Settle(method, intent.Customer, intent.SetupFutureUsage);
        }

        return new Outcome(200, ledger.Render(intent, false), [("payment_intent.amount_capturable_updated", intent)]);
    }
}
