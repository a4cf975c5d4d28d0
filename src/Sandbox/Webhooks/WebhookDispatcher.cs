using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using CaaS.Hosting;

namespace CaaS.Sandbox.Webhooks;

public sealed record Delivery(string Source, string Id, string Url, List<int> StatusCodes);

/// <summary>
/// Sends what the real systems send to the platform, signed as they sign it: Standard Webhooks for the
/// Fleet and the Factory, Stripe-Signature for Stripe. Every attempt's status is kept for inspection
/// (0 when the platform could not be reached).
/// </summary>
public sealed class WebhookDispatcher(IHttpClientFactory httpClients, IConfiguration configuration, TimeProvider time, ILogger<WebhookDispatcher> logger)
{
    public const string HttpClientName = "webhooks";

    private readonly ConcurrentQueue<Delivery> _deliveries = new();

    /// <summary>The same deliveries by source and id: a repeated send finds its delivery without reading every one ever made.</summary>
    private readonly ConcurrentDictionary<(string Source, string Id), Delivery> _byId = new();

    public IReadOnlyList<Delivery> Deliveries => [.. _deliveries];

    public Uri? PlatformUrl(string path) =>
        configuration["Platform:ApiBaseUrl"] is { Length: > 0 } root ? new Uri(root.TrimEnd('/') + path) : null;

    public Task<int> SendStandardAsync(string source, string secretSetting, string path, string messageId, string body, CancellationToken cancellationToken) =>
        SendAsync(source, messageId, path, body, request =>
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.Add("webhook-id", messageId);
            request.Headers.Add("webhook-timestamp", timestamp);
            request.Headers.Add("webhook-signature", "v1," + StandardWebhooks.Sign(Secret(secretSetting), messageId, timestamp, body));
        }, cancellationToken);

    public Task<int> SendStripeAsync(string eventId, string body, CancellationToken cancellationToken) =>
        SendAsync("stripe", eventId, "/webhooks/payment/settlement", body, request =>
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret("Integrations:Stripe:WebhookSecret")),
                Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
            request.Headers.Add("Stripe-Signature", $"t={timestamp},v1={signature}");
        }, cancellationToken);

    private string Secret(string setting) =>
        configuration[setting] is { Length: > 0 } secret ? secret : throw new InvalidOperationException($"{setting} is not configured.");

    private async Task<int> SendAsync(string source, string id, string path, string body, Action<HttpRequestMessage> sign, CancellationToken cancellationToken)
    {
        var url = PlatformUrl(path);
        if (url is null)
        {
            logger.LogWarning("Platform:ApiBaseUrl is not set; {Source} webhook {Id} is not delivered", source, id);
            return 0;
        }

        var fresh = new Delivery(source, id, url.ToString(), []);
        var delivery = _byId.GetOrAdd((source, id), fresh);
        if (ReferenceEquals(delivery, fresh))
        {
            _deliveries.Enqueue(delivery);
        }

        int status;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            sign(request);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            status = (int)response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning(exception, "{Source} webhook {Id} could not reach {Url}", source, id, url);
            status = 0;
        }

        lock (delivery.StatusCodes)
        {
            delivery.StatusCodes.Add(status);
        }

        return status;
    }

    public void Clear()
    {
        _deliveries.Clear();
        _byId.Clear();
    }
}
