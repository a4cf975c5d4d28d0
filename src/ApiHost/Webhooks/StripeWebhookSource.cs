using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;
using Microsoft.Extensions.Options;
using Stripe;

namespace CaaS.ApiHost.Webhooks;

/// <summary>
/// Stripe's settlement events (PAY-8): Stripe's own signature scheme, verified with Stripe.net, and
/// Stripe's event names turned into the platform's <see cref="PaymentEventKind"/> here, at the edge,
/// so that no grain reads Stripe's words.
/// </summary>
public sealed class StripeWebhookSource(IOptionsMonitor<WebhookOptions> options) : IWebhookSource
{
    public const string SourceName = "stripe";
    public const string SignatureHeader = "Stripe-Signature";

    public string Name => SourceName;

    public WebhookReading Read(HttpRequest request, string body, DateTimeOffset now)
    {
        var settings = options.CurrentValue;
        try
        {
            EventUtility.ValidateSignature(body, request.Headers[SignatureHeader].ToString(), settings.For(SourceName).Secret!,
                (long)settings.Tolerance.TotalSeconds, now.ToUnixTimeSeconds());
        }
        catch (StripeException invalid)
        {
            return new WebhookReading.Refused(ErrorCodes.Unauthenticated, $"Stripe signature refused: {invalid.Message}");
        }

        if (!request.HasJsonContentType())
        {
            return WebhookReading.Malformed(WebhookReading.NotJson);
        }

        // SEC-4: a signed body that is not an event is malformed, not a server error. Its shape is checked here, since
        // Stripe.net reads leniently (no id, no data.object) or throws whatever its JSON reader throws; the event id is
        // the inbox key (WH-3), so without one every such event would be the same message.
        if (!IsEventShape(body))
        {
            return WebhookReading.Malformed(
                $"A Stripe event is a JSON object \"event\" with an id (at most {WebhookOptions.MaxMessageIdLength} characters), created and data.object.");
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(body);
        }
        catch (Exception malformed) when (malformed is Newtonsoft.Json.JsonException or JsonException or StripeException or ArgumentException
            or FormatException or InvalidCastException or InvalidOperationException)
        {
            return WebhookReading.Malformed($"Not a Stripe event: {malformed.Message}");
        }

        var (intentId, metadata, failure) = stripeEvent.Data.Object switch
        {
            PaymentIntent intent => (intent.Id, intent.Metadata, intent.LastPaymentError?.Message),
            Charge charge => (charge.PaymentIntentId, charge.Metadata, charge.FailureMessage),
            _ => (null, null, null),
        };
        if (intentId is null)
        {
            return new WebhookReading.Ignored();
        }

        var paymentEvent = new PaymentEvent(stripeEvent.Id, stripeEvent.Type, intentId, stripeEvent.Created, failure, StripeEventTypes.KindOf(stripeEvent.Type));
        return new WebhookReading.Accepted(stripeEvent.Id,
            new StripePaymentMessage(paymentEvent, metadata?.GetValueOrDefault(PaymentMetadata.ReservationId), metadata?.GetValueOrDefault(PaymentMetadata.PurchaseId)),
            WebhookReading.Keep(request, SignatureHeader));
    }

    private static bool IsEventShape(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("object", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "event"
                && root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(id.GetString()) && id.GetString()!.Length <= WebhookOptions.MaxMessageIdLength
                && root.TryGetProperty("created", out var created) && created.ValueKind == JsonValueKind.Number && created.TryGetInt64(out _)
                && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("object", out var item) && item.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
