using CaaS.Grains.Abstractions;
using CaaS.Hosting;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost.Webhooks;

/// <summary>
/// A sender that signs with Standard Webhooks (WH-1, WH-2), as the Fleet and the Factory do: the
/// scheme is verified here once, and each sender only parses its own body.
/// </summary>
public abstract class StandardWebhookSource(IOptionsMonitor<WebhookOptions> options) : IWebhookSource
{
    public abstract string Name { get; }

    /// <summary>The shape of a valid body, for the answer to one that is not.</summary>
    protected abstract string Shape { get; }

    public WebhookReading Read(HttpRequest request, string body, DateTimeOffset now)
    {
        var settings = options.CurrentValue;
        var headers = request.Headers;
        var check = StandardWebhooks.Verify(settings.For(Name).Secret!, headers[StandardWebhooks.IdHeader], headers[StandardWebhooks.TimestampHeader],
            headers[StandardWebhooks.SignatureHeader], body, now, settings.Tolerance);
        if (check != SignatureCheck.Valid)
        {
            return new WebhookReading.Refused(ErrorCodes.Unauthenticated, $"Webhook signature refused: {check}.");
        }

        // SEC-4: the message id is the inbox key (WH-3), so a blank or endless one is malformed; so is a body that is not sent as JSON.
        if (headers[StandardWebhooks.IdHeader].ToString() is var messageId
            && (string.IsNullOrWhiteSpace(messageId) || messageId.Length > WebhookOptions.MaxMessageIdLength))
        {
            return WebhookReading.Malformed($"{StandardWebhooks.IdHeader} is 1 to {WebhookOptions.MaxMessageIdLength} characters.");
        }

        if (!request.HasJsonContentType())
        {
            return WebhookReading.Malformed(WebhookReading.NotJson);
        }

        return Parse(body) is { } message
            ? new WebhookReading.Accepted(messageId, message,
                WebhookReading.Keep(request, StandardWebhooks.IdHeader, StandardWebhooks.TimestampHeader, StandardWebhooks.SignatureHeader))
            : WebhookReading.Malformed(Shape);
    }

    /// <summary>The platform's message for a verified body, or null when the body is not one the sender sends.</summary>
    public abstract WebhookMessage? Parse(string body);
}
