using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using Microsoft.Extensions.Options;
using Stripe;

namespace CaaS.ApiHost.Webhooks;

/// <summary>
/// Stripe's settlement events (PAY-8): Stripe's own signature scheme, verified with Stripe.net; the
/// event itself is read by <see cref="StripeEventReader"/>, the same reader the event recovery uses
/// (WH-6), so a webhook and a fetched event mean the same, whatever API version Stripe rendered them in.
/// </summary>
public sealed class StripeWebhookSource(IOptionsMonitor<WebhookOptions> options) : IWebhookSource
{
    public const string SourceName = ExternalSystem.Stripe;
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

        // SEC-4: a signed body that is not an event is malformed, not a server error; the event id is the inbox key (WH-3).
        return StripeEventReader.Read(body) switch
        {
            StripeEventReading.Accepted accepted => new WebhookReading.Accepted(accepted.EventId, accepted.Message,
                WebhookReading.Keep(request, SignatureHeader)),
            StripeEventReading.Ignored => new WebhookReading.Ignored(),
            StripeEventReading.Malformed malformed => WebhookReading.Malformed(malformed.Detail),
            _ => throw new InvalidOperationException("Unknown reading of a Stripe event."),
        };
    }
}
