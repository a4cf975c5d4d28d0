using System.Net.Http.Json;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;

namespace CaaS.Grains.Integration.Notifications;

/// <summary>The email and push provider: `POST /api/notifications`, at least once, deduplicated by key.</summary>
public sealed class NotificationClient(HttpClient http)
{
    public async Task<string> SendAsync(NotificationMessage message, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/notifications")
        {
            Content = JsonContent.Create(new
            {
                to = message.To,
                channel = message.Channel,
                template = message.Template,
                subject = message.Subject,
                data = message.Data,
            }, options: ExternalCall.Json),
        };
        request.Headers.Add(IntegrationHeaders.IdempotencyKey, idempotencyKey);
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Notifications, request, cancellationToken);
        return (await ExternalCall.ReadAsync<SentWire>(response, ExternalSystem.Notifications, cancellationToken)).NotificationId;
    }

    private sealed record SentWire(string NotificationId);
}
