using System.Text.Json;
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
        endpoints.MapGet("/sandbox/stripe/payment_intents", (HttpRequest request, StripeLedger ledger) =>
        {
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
        endpoints.MapGet("/sandbox/stripe/events", ([FromQuery(Name = "payment_intent")] string? paymentIntent, StripeEvents events) =>
            Results.Ok(events.About(paymentIntent).Select(sent => new { id = sent.Id, type = sent.Type, paymentIntent = sent.PaymentIntent, created = sent.Created })));
        endpoints.MapPost("/sandbox/stripe/events/{eventId}/resend", (string eventId, StripeEvents events) =>
            events.Resend(eventId) ? Results.Accepted() : Problem.NotFound($"event {eventId} was never sent."));
    }

    private static Dictionary<string, object?> Inspect(StripeLedger.PaymentIntent intent)
    {
        var element = JsonSerializer.SerializeToElement(intent, StripeLedger.Json);
        var view = element.EnumerateObject().ToDictionary(property => property.Name, property => (object?)property.Value);
        view["refunds"] = intent.Refunds;
        return view;
    }
}
