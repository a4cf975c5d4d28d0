namespace CaaS.Grains.Abstractions.Integration;

/// <summary>The email and push provider. Only the notification outbox calls it (NOT-1).</summary>
public interface INotificationAdapterGrain : IGrainWithIntegerKey
{
    Task<string> SendAsync(NotificationMessage message, string idempotencyKey);
}

[GenerateSerializer, Immutable, Alias("caas.notification-message")]
public sealed record NotificationMessage(
    [property: Id(0)] string To,
    [property: Id(1)] string Channel,
    [property: Id(2)] string Template,
    [property: Id(3)] string Subject,
    [property: Id(4)] IReadOnlyDictionary<string, string> Data);

public static class NotificationChannels
{
    public const string Email = "email";
    public const string Push = "push";
}
