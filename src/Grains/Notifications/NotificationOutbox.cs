using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Notifications;
using CaaS.Grains.Flows;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Notifications;

/// <summary>
/// NOT-1, the one notification component: a flow owes a message in the same state write as the
/// change that caused it, then hands its journal here. Delivered messages are discharged; a message
/// the provider did not take stays owed for the flow's next attempt (its guard), and the provider's
/// idempotency key makes a repeated delivery harmless.
/// </summary>
public static partial class NotificationOutbox
{
    public static void Record(FlowJournal journal, string id, string customerId, string template, string subject,
        IReadOnlyDictionary<string, string> data, DateTimeOffset now, string channel = NotificationChannels.Email)
    {
        if (!journal.Obligations.Exists(owed => owed.Kind == ObligationKind.Notify && owed.Key == id))
        {
            journal.Owe(new Obligation(ObligationKind.Notify, id, Notification: new OutboxMessage(id, customerId, channel, template, subject, data, now)));
        }
    }

    /// <returns>true when the journal changed and the owner should persist it.</returns>
    public static async Task<bool> DeliverAsync(FlowJournal journal, IGrainFactory grains, ILogger logger)
    {
        var delivered = 0;
        foreach (var owed in journal.OfKind(ObligationKind.Notify).ToArray())
        {
            var message = owed.Notification!;
            try
            {
                await grains.GetGrain<INotificationAdapterGrain>(0).SendAsync(
                    new NotificationMessage(message.To, message.Channel, message.Template, message.Subject, message.Data), message.Id);
                journal.Discharge(ObligationKind.Notify, owed.Key);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {MessageId} ({Template}) not delivered yet; it stays owed")]
    private static partial void LogUndelivered(ILogger logger, Exception exception, string messageId, string template);
}
