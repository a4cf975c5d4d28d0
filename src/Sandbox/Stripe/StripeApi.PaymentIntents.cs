using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace CaaS.Sandbox.Stripe;

/// <summary>PaymentIntents with manual capture: create (authorise), capture, cancel, and the events each sends.</summary>
public static partial class StripeApi
{
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

        var paymentMethod = form.GetValueOrDefault("payment_method").ToString();
        if (paymentMethod is not (StripeLedger.Visa or StripeLedger.Declined))
        {
            return Error(400, "invalid_request_error", "resource_missing", $"No such PaymentMethod: '{paymentMethod}'", "payment_method");
        }

        var metadata = form.Where(pair => pair.Key.StartsWith("metadata[", StringComparison.Ordinal) && pair.Key.EndsWith(']'))
            .ToDictionary(pair => pair.Key["metadata[".Length..^1], pair => pair.Value.ToString(), StringComparer.Ordinal);
        var intent = ledger.Create(amount, currency.ToLowerInvariant(), paymentMethod, form.GetValueOrDefault("description").ToString() is { Length: > 0 } d ? d : null, metadata);
        if (paymentMethod == StripeLedger.Visa)
        {
            return new Outcome(200, intent, [("payment_intent.amount_capturable_updated", intent)]);
        }

        intent.Status = "requires_payment_method";
        intent.AmountCapturable = 0;
        intent.LastPaymentError = new StripeLedger.ErrorWire("card_error", "card_declined", "generic_decline", "Your card was declined.", null);
        return new Outcome(402, new
        {
            error = new
            {
                type = "card_error",
                code = "card_declined",
                decline_code = "generic_decline",
                message = "Your card was declined.",
                payment_intent = intent,
            },
        }, [("payment_intent.payment_failed", intent)]);
    }

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
        return new Outcome(200, intent, [("payment_intent.succeeded", intent)]);
    }

    private static Outcome Cancel(StripeLedger ledger, string id)
    {
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        if (intent.Status is not ("requires_capture" or "requires_payment_method"))
        {
            return UnexpectedState(intent, "cancel");
        }

        intent.Status = "canceled";
        intent.AmountCapturable = 0;
        intent.CanceledAt = ledger.Now;
        return new Outcome(200, intent, [("payment_intent.canceled", intent)]);
    }
}
