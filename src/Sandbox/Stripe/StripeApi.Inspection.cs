using System.Text.Json;
using System.Text.Json.Nodes;
using CaaS.Sandbox.Control;
using Microsoft.AspNetCore.Mvc;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// The sandbox's own Stripe routes, not Stripe's: what the fake Stripe holds (so tests check money,
/// not only the platform's view of it), a settlement that fails after capture, and the events it sent.
/// </summary>
public static partial class StripeApi
{
    private static void MapInspection(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/sandbox/stripe/payment_intents", (HttpRequest request, StripeLedger ledger, StripeEvents events) =>
        {
            Sweep(ledger, events);
            var filters = request.Query
                .Where(pair => pair.Key.StartsWith("metadata[", StringComparison.Ordinal) && pair.Key.EndsWith(']'))
                .Select(pair => (Key: pair.Key["metadata[".Length..^1], Value: pair.Value.ToString()))
                .ToArray();
            lock (ledger.Gate)
            {
                var intents = ledger.All
                    .Where(intent => filters.All(filter => intent.Metadata.TryGetValue(filter.Key, out var value) && value == filter.Value))
                    .OrderBy(intent => intent.Created)
                    .Select(intent => Inspect(intent))
                    .ToArray();
                return Results.Text(JsonSerializer.Serialize(intents, StripeLedger.Json), "application/json");
            }
        });
        endpoints.MapPost("/sandbox/stripe/payment_intents/{id}/fail-settlement", (string id, StripeLedger ledger, StripeEvents events) =>
        {
            StripeLedger.PaymentIntent failed;
            lock (ledger.Gate)
            {
                if (ledger.Find(id) is not { Status: "succeeded" } intent)
                {
                    return Problem.Invalid($"{id} is not a captured PaymentIntent.");
                }

                intent.Status = "requires_payment_method";
                intent.AmountReceived = 0;
                intent.LastPaymentError = new StripeLedger.ErrorWire("card_error", "card_declined", "insufficient_funds", "The settlement of this payment failed.", null);
                failed = intent;
            }

            return Results.Ok(new { eventId = events.Publish("payment_intent.payment_failed", failed, null) });
        });
        // The account's pricing plan: without IC+ pricing, extended and incremental authorisations are refused (null resets).
        endpoints.MapPost("/sandbox/stripe/account", (AccountChange body, StripeLedger ledger) =>
        {
            ledger.FlexibleAcquiringOverride = body.FlexibleAcquiring;
            return Results.Ok(new { flexibleAcquiring = ledger.FlexibleAcquiring });
        });
        // Stripe's search index behind by this much from now on (null resets to Sandbox:Stripe:SearchLag).
        endpoints.MapPost("/sandbox/stripe/search-lag", (SearchLagChange body, StripeLedger ledger) =>
        {
            if (body.Seconds is < 0 or > 86_400)
            {
                return Problem.Invalid("seconds is between 0 and 86400, or null to reset.");
            }

            ledger.SearchLagOverride = body.Seconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
            return Results.Ok(new { searchLagSeconds = ledger.SearchLag.TotalSeconds });
        });
        // A saved card the issuer stops honouring (reported lost, closed, over its limit): what happens to
        // real cards between a booking and a fine found weeks later. Every later charge on it is declined, until honoured again.
        endpoints.MapPost("/sandbox/stripe/payment_methods/{id}/decline", (string id, CardDecline body, StripeLedger ledger) =>
        {
            lock (ledger.Gate)
            {
                if (ledger.FindPaymentMethod(id) is not { } method)
                {
                    return Problem.Invalid($"{id} is no PaymentMethod of the sandbox's Stripe.");
                }

                method.DeclineCode = body.Honour ? null : string.IsNullOrWhiteSpace(body.DeclineCode) ? "generic_decline" : body.DeclineCode;
                return Results.Ok(new { id, declineCode = method.DeclineCode });
            }
        });
        endpoints.MapPost("/sandbox/stripe/payment_intents/{id}/authenticate", (string id, Authentication body, StripeLedger ledger, StripeEvents events) =>
            Answer(ledger, events, () => AuthenticatePayment(ledger, id, body.ClientSecret, body.Outcome != "fail")));
        endpoints.MapPost("/sandbox/stripe/setup_intents/{id}/authenticate", (string id, Authentication body, StripeLedger ledger, StripeEvents events) =>
            Answer(ledger, events, () => AuthenticateSetup(ledger, id, body.ClientSecret, body.Outcome != "fail")));
        endpoints.MapGet("/sandbox/stripe/setup_intents", (HttpRequest request, StripeLedger ledger) =>
        {
            var filters = request.Query
                .Where(pair => pair.Key.StartsWith("metadata[", StringComparison.Ordinal) && pair.Key.EndsWith(']'))
                .Select(pair => (Key: pair.Key["metadata[".Length..^1], Value: pair.Value.ToString()))
                .ToArray();
            lock (ledger.Gate)
            {
                var setups = ledger.Setups
                    .Where(setup => filters.All(filter => setup.Metadata.TryGetValue(filter.Key, out var value) && value == filter.Value))
                    .OrderBy(setup => setup.Created)
                    .Select(setup => new Dictionary<string, object?>
                    {
                        ["id"] = setup.Id, ["status"] = setup.Status, ["customer"] = setup.Customer, ["payment_method"] = setup.PaymentMethod,
                        ["usage"] = setup.Usage, ["metadata"] = setup.Metadata,
                        ["payment_method_customer"] = ledger.FindPaymentMethod(setup.PaymentMethod)?.Customer,
                    })
                    .ToArray();
                return Results.Text(JsonSerializer.Serialize(setups, StripeLedger.Json), "application/json");
            }
        });
        endpoints.MapGet("/sandbox/stripe/events", ([FromQuery(Name = "payment_intent")] string? paymentIntent, StripeEvents events) =>
            Results.Ok(events.About(paymentIntent).Select(sent => new
            {
                id = sent.Id, type = sent.Type, paymentIntent = sent.PaymentIntent, created = sent.Created,
                apiVersion = JsonNode.Parse(sent.Json)?["api_version"]?.GetValue<string>(),
            })));
        endpoints.MapPost("/sandbox/stripe/events/{eventId}/resend", (string eventId, StripeEvents events) =>
            events.Resend(eventId) ? Results.Accepted() : Problem.NotFound($"event {eventId} was never sent."));
    }

    /// <summary>The issuer's answer from now on: <paramref name="DeclineCode"/> (generic_decline unless named), or honoured again.</summary>
    public sealed record CardDecline(string? DeclineCode, bool Honour = false);

    public sealed record SearchLagChange(double? Seconds);

    public sealed record AccountChange(bool? FlexibleAcquiring);

    /// <summary>What the app sends once the customer went through 3-D Secure: the intent's client secret, and "fail" to play a failed challenge.</summary>
    public sealed record Authentication(string? ClientSecret, string? Outcome);

    private static IResult Answer(StripeLedger ledger, StripeEvents events, Func<Outcome> operation)
    {
        Outcome outcome;
        lock (ledger.Gate)
        {
            outcome = operation();
        }

        foreach (var (type, data) in outcome.Events)
        {
            events.Publish(type, data, null);
        }

        return Results.Text(JsonSerializer.Serialize(outcome.Body, StripeLedger.Json), "application/json", System.Text.Encoding.UTF8, outcome.Status);
    }

    private static Dictionary<string, object?> Inspect(StripeLedger.PaymentIntent intent)
    {
        var element = JsonSerializer.SerializeToElement(intent, StripeLedger.Json);
        var view = element.EnumerateObject().ToDictionary(property => property.Name, property => (object?)property.Value);
        view["refunds"] = intent.Refunds;
        // PAY-10: what the charge says about the hold, where a test reads it beside the intent.
        view["capture_before"] = intent.CaptureBefore;
        view["extended_authorization"] = intent.CaptureBefore is null ? null : intent.Extended ? "enabled" : "disabled";
        view["off_session"] = intent.OffSession;
        return view;
    }
}
