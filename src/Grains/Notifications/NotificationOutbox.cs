using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Notifications;
using CaaS.Grains.Abstractions.Operations;
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

    /// <summary>
    /// Delivers what the flow owes, oldest first. A message refused for good is handed to ops as a
    /// dead letter and stops being owed, so it never holds back the messages after it nor keeps the
    /// flow's guard alive; a provider that cannot be reached keeps every message owed for the next try.
    /// </summary>
    /// <returns>true when the journal changed and the owner should persist it.</returns>
    public static async Task<bool> DeliverAsync(FlowJournal journal, IGrainFactory grains, ILogger logger, string flowKind, string flowId, DateTimeOffset now)
    {
        var changed = false;
        foreach (var owed in journal.OfKind(ObligationKind.Notify).ToArray())
        {
            var message = owed.Notification!;
            try
            {
                await grains.GetGrain<INotificationAdapterGrain>(0).SendAsync(
                    new NotificationMessage(message.To, message.Channel, message.Template, message.Subject, message.Data), message.Id);
                journal.Discharge(ObligationKind.Notify, owed.Key);
                changed = true;
            }
            catch (DependencyRejectedException refused) when (NotificationDeadLetters.RefusedForGood(refused))
            {
                LogRefused(logger, refused, message.Id, message.Template);
                await grains.GetGrain<IOpsGrain>(0).RaiseAsync(NotificationDeadLetters.Of(message, refused, flowKind, flowId, now));
                journal.Discharge(ObligationKind.Notify, owed.Key);
                changed = true;
            }
            catch (IntegrationException failure)
            {
                LogUndelivered(logger, failure, message.Id, message.Template);
                break;
            }
        }

        return changed;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {MessageId} ({Template}) refused for good by the provider; handed to ops as a dead letter")]
    private static partial void LogRefused(ILogger logger, Exception exception, string messageId, string template);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {MessageId} ({Template}) not delivered yet; it stays owed")]
    private static partial void LogUndelivered(ILogger logger, Exception exception, string messageId, string template);
}
