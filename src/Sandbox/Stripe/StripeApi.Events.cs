using System.Text.Json;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// <c>GET /v1/events</c> as Stripe documents it for processing undelivered events
/// (docs.stripe.com/webhooks/process-undelivered-events): newest first, <c>types[]</c> or <c>type</c>,
/// <c>delivery_success</c>, <c>created</c> bounds and both cursors; only the last 30 days; each event as it
/// was rendered when created, in the account's API version of that day.
/// </summary>
public static partial class StripeApi
{
    private static void MapEvents(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/events", (HttpContext http, StripeLedger ledger, StripeEvents events) => Get(http, ledger, events, () => ListEvents(http.Request.Query, events)));
        endpoints.MapPost("/sandbox/stripe/webhooks", (WebhookDelivery delivery, StripeEvents events) =>
        {
            events.WebhooksDelivered = delivery.Deliver;
            return Results.Ok(new { deliver = events.WebhooksDelivered });
        });
    }

    /// <summary>Whether Stripe's webhooks reach the platform; false plays a lost webhook for every event until set back.</summary>
    public sealed record WebhookDelivery(bool Deliver);

    private static Outcome ListEvents(IQueryCollection query, StripeEvents events)
    {
        var types = query["types[]"].Concat(query["type"]).Where(type => !string.IsNullOrEmpty(type)).ToHashSet(StringComparer.Ordinal);
        bool? deliverySuccess = query["delivery_success"].ToString() switch
        {
            "" => null,
            "true" => true,
            "false" => false,
            _ => null,
        };
        if (deliverySuccess is null && query.ContainsKey("delivery_success"))
        {
            return Error(400, "invalid_request_error", "parameter_invalid_boolean", "delivery_success must be true or false.", "delivery_success");
        }

        var listable = events.Listable()
            .Where(item => types.Count == 0 || types.Contains(item.Event.Type))
            .Where(item => deliverySuccess is null || item.Delivered == deliverySuccess)
            .Select(item => item.Event);
        return List(query, "/v1/events", listable, sent => sent.Id, sent => sent.Created, sent => JsonSerializer.Deserialize<JsonElement>(sent.Json), "event");
    }
}
