using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Notifications;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Notifications;

/// <summary>
/// NOT-1, the one notification component: a grain records a message in its outbox in the same state
/// write as the change that caused it, then hands the outbox here. Delivered messages leave it; a
/// message the provider did not take stays for the owner's next attempt (its reminder), and the
/// provider's idempotency key makes a repeated delivery harmless.
/// </summary>
public static partial class NotificationOutbox
{
    public static void Record(List<OutboxMessage> outbox, string id, string customerId, string template, string subject,
        IReadOnlyDictionary<string, string> data, DateTimeOffset now, string channel = NotificationChannels.Email)
    {
        if (!outbox.Any(existing => existing.Id == id))
        {
            outbox.Add(new OutboxMessage(id, customerId, channel, template, subject, data, now));
        }
    }

    /// <returns>true when the outbox changed and the owner should persist it.</returns>
    public static async Task<bool> DeliverAsync(List<OutboxMessage> outbox, IGrainFactory grains, ILogger logger)
    {
        var delivered = 0;
        foreach (var message in outbox.ToArray())
        {
            try
            {
                await grains.GetGrain<INotificationAdapterGrain>(0).SendAsync(
                    new NotificationMessage(message.To, message.Channel, message.Template, message.Subject, message.Data), message.Id);
                outbox.Remove(message);
                delivered++;
            }
            catch (IntegrationException failure)
            {
                LogUndelivered(logger, failure, message.Id, message.Template);
                break;
            }
        }

        return delivered > 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {MessageId} ({Template}) not delivered yet; it stays in the outbox")]
    private static partial void LogUndelivered(ILogger logger, Exception exception, string messageId, string template);
}
