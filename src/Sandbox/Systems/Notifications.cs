using System.Collections.Concurrent;

namespace CaaS.Sandbox.Systems;

/// <summary>The email and push provider (NOT-1): records each message once per idempotency key, for tests to read back.</summary>
public sealed class Notifications(TimeProvider time)
{
    public static readonly string[] Channels = ["email", "push"];

    public sealed record SendRequest(string? To, string? Channel, string? Template, string? Subject, Dictionary<string, string>? Data);

    public sealed record Sent(string NotificationId, string To, string Channel, string Template, string? Subject, IReadOnlyDictionary<string, string> Data, DateTimeOffset SentAt);

    private readonly ConcurrentDictionary<string, Sent> _byKey = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Sent> _sent = new();

    public Sent Send(string idempotencyKey, SendRequest request)
    {
        var created = false;
        var sent = _byKey.GetOrAdd(idempotencyKey, _ =>
        {
            created = true;
            return new Sent("ntf-" + Guid.NewGuid().ToString("N")[..16], request.To!, request.Channel!, request.Template!, request.Subject,
                request.Data ?? [], time.GetUtcNow());
        });
        if (created)
        {
            _sent.Enqueue(sent);
        }

        return sent;
    }

    public IReadOnlyList<Sent> To(string? to) => [.. _sent.Where(sent => to is null || sent.To == to)];
}

public static class NotificationEndpoints
{
    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/notifications").RequireApiKey("Notifications")
            .MapPost("", (Notifications.SendRequest request, HttpRequest http, Notifications notifications) =>
            {
                var key = http.Headers["Idempotency-Key"].ToString();
                if (string.IsNullOrWhiteSpace(request.To) || request.Channel is null || !Notifications.Channels.Contains(request.Channel)
                    || string.IsNullOrWhiteSpace(request.Template) || key.Length == 0)
                {
                    return Results.Json(new { error = "to, channel (email or push), template and an Idempotency-Key header are required" }, statusCode: 400);
                }

                return Results.Json(new { notificationId = notifications.Send(key, request).NotificationId }, statusCode: 202);
            });
        endpoints.MapGet("/sandbox/notifications", (string? to, Notifications notifications) => Results.Ok(notifications.To(to)));
        return endpoints;
    }
}
