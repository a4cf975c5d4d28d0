using System.Text.Json;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Abstractions.Integration;

/// <summary>
/// Reads a Stripe event, delivered as a webhook or fetched from <c>GET /v1/events</c>, into the
/// platform's <see cref="StripePaymentMessage"/>. Stripe renders an event in the API version of the
/// account when the event was created, not in the version of the library (docs.stripe.com/api/events/list),
/// so only fields every version has are read, and the event's <c>api_version</c> is not checked.
/// </summary>
public static class StripeEventReader
{
    public static StripeEventReading Read(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Read(document.RootElement);
        }
        catch (JsonException)
        {
            return new StripeEventReading.Malformed("A Stripe event is a JSON object.");
        }
    }

    public static StripeEventReading Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || Text(root, "object") != "event"
            || Text(root, "id") is not { Length: > 0 and <= InboundWebhook.MaxMessageIdLength } eventId || string.IsNullOrWhiteSpace(eventId)
            || Text(root, "type") is not { Length: > 0 } type
            || !root.TryGetProperty("created", out var created) || created.ValueKind != JsonValueKind.Number || !created.TryGetInt64(out var createdSeconds)
            || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("object", out var item) || item.ValueKind != JsonValueKind.Object)
        {
            return new StripeEventReading.Malformed(
                $"A Stripe event is a JSON object \"event\" with an id (at most {InboundWebhook.MaxMessageIdLength} characters), a type, created and data.object.");
        }

        var (intentId, failure) = Text(item, "object") switch
        {
            "payment_intent" => (Text(item, "id"), item.TryGetProperty("last_payment_error", out var error) ? Text(error, "message") : null),
            "charge" => (Text(item, "payment_intent"), Text(item, "failure_message")),
            _ => (null, null),
        };
        if (intentId is null)
        {
            return new StripeEventReading.Ignored(eventId);
        }

        var metadata = item.TryGetProperty("metadata", out var values) && values.ValueKind == JsonValueKind.Object ? values : default;
        var paymentEvent = new PaymentEvent(eventId, type, intentId, DateTimeOffset.FromUnixTimeSeconds(createdSeconds), failure,
            StripeEventTypes.KindOf(type));
        return new StripeEventReading.Accepted(eventId,
            new StripePaymentMessage(paymentEvent, Text(metadata, PaymentMetadata.ReservationId), Text(metadata, PaymentMetadata.PurchaseId)));
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>What <see cref="StripeEventReader"/> made of an event.</summary>
public abstract record StripeEventReading
{
    /// <summary>About a payment: routed to the flow its metadata names.</summary>
    public sealed record Accepted(string EventId, StripePaymentMessage Message) : StripeEventReading;

    /// <summary>An event, but not about a payment this platform acts on.</summary>
    public sealed record Ignored(string EventId) : StripeEventReading;

    public sealed record Malformed(string Detail) : StripeEventReading;
}
