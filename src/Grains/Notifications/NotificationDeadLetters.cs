using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Notifications;
using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Notifications;

/// <summary>
/// NOT-1: a notification the provider refused for good (a 4xx) becomes a dead letter ops can read
/// and replay, instead of a message its flow owes forever. The body is the message itself; the
/// replay sends it again under its own idempotency key, so a replay after a late delivery is harmless.
/// </summary>
public static class NotificationDeadLetters
{
    public const string Source = ExternalSystem.Notifications;

    public static string ItemId(string messageId) => DeadLetterData.ItemId($"{Source}:{messageId}");

    /// <summary>A refusal that the same request can never overcome; throttling and timeouts are not.</summary>
    public static bool RefusedForGood(IntegrationException failure) =>
        failure is DependencyRejectedException { StatusCode: >= 400 and < 500 and not 408 and not 429 } refused
        && refused.Reason != DependencyRejectedException.CredentialsRefused;

    public static OpsItem Of(OutboxMessage message, DependencyRejectedException refused, string? flowKind, string? flowId, DateTimeOffset now) =>
        new(ItemId(message.Id), OpsItemKind.DeadLetter, $"Notification {message.Template} refused by the provider", refused.Message, flowKind, flowId, now,
            new Dictionary<string, string>
            {
                [DeadLetterData.Source] = Source,
                [DeadLetterData.Body] = JsonSerializer.Serialize(message, JsonSerializerOptions.Web),
            });

    public static bool Holds(OpsItem item) => item.Data.GetValueOrDefault(DeadLetterData.Source) == Source;

    /// <returns>Processed when the provider took the message now; Failed when it still refuses or cannot be reached.</returns>
    public static async Task<InboxOutcome> ReplayAsync(IGrainFactory grains, OpsItem item)
    {
        var message = JsonSerializer.Deserialize<OutboxMessage>(item.Data[DeadLetterData.Body], JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException($"Dead letter {item.Id} holds no notification.");
        try
        {
            await grains.GetGrain<INotificationAdapterGrain>(0).SendAsync(
                new NotificationMessage(message.To, message.Channel, message.Template, message.Subject, message.Data), message.Id);
            return InboxOutcome.Processed;
        }
        catch (IntegrationException)
        {
            return InboxOutcome.Failed;
        }
    }
}
