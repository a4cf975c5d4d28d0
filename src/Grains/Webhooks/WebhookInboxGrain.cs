using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Webhooks;

/// <summary>
/// WH-3, WH-6, WH-7: the message is applied to the grains it concerns, and only then marked processed
/// and acknowledged. The handlers are idempotent themselves (event ids, occurredAt, state checks), so
/// a crash between the two only repeats a harmless application.
/// </summary>
public sealed partial class WebhookInboxGrain(
    [PersistentState("inbox", StorageNames.Grains)] IPersistentState<InboxState> state,
    TimeProvider time,
    ILogger<WebhookInboxGrain> logger) : Grain, IWebhookInboxGrain
{
    public async Task<InboxOutcome> ProcessAsync(InboundWebhook webhook)
    {
        if (state.State.Processed)
        {
            return InboxOutcome.Duplicate;
        }

        state.State.Webhook ??= webhook;
        if (webhook is { Source: ExternalSystem.Stripe, Via: InboundVia.Webhook })
        {
            await GrainFactory.GetGrain<IStripeEventRecoveryGrain>(0).WebhookArrivedAsync(webhook.ReceivedAt);
        }

        return await ApplyAsync();
    }

    public Task<InboxOutcome> ReplayAsync() =>
        state.State.Processed ? Task.FromResult(InboxOutcome.Duplicate)
        : state.State.Webhook is null ? throw new DomainException(ErrorCodes.NotFound, "No such dead letter.")
        : ApplyAsync();

    public Task<string?> BodyAsync() => Task.FromResult(state.State.Webhook?.Body);

    private async Task<InboxOutcome> ApplyAsync()
    {
        var webhook = state.State.Webhook = Classified(state.State.Webhook!);
        state.State.Attempts++;
        try
        {
            await DispatchAsync(webhook.Message);
            state.State.Processed = true;
            state.State.ProcessedAt = time.GetUtcNow();
            state.State.LastError = null;
            await state.WriteStateAsync();
            return InboxOutcome.Processed;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogFailed(exception, webhook.Source, webhook.MessageId);
            state.State.LastError = exception.Message;
            await state.WriteStateAsync();
            await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem(DeadLetterData.ItemId(this.GetPrimaryKeyString()), OpsItemKind.DeadLetter,
                $"{webhook.Source} webhook failed processing", exception.Message, "webhook", this.GetPrimaryKeyString(), time.GetUtcNow(),
                // The body stays in this inbox, which keeps it anyway; the dead letter reads it from here.
                new Dictionary<string, string>(webhook.Headers)
                {
                    [DeadLetterData.Source] = webhook.Source,
                    [DeadLetterData.Attempts] = state.State.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }));
            return InboxOutcome.Failed;
        }
    }

    /// <summary>
    /// A Stripe event kept before payment events carried a kind was stored as <see cref="PaymentEventKind.Other"/>,
    /// which the flows ignore; it is classified again from its Stripe type, so its replay acts as its first delivery would now.
    /// </summary>
    private static InboundWebhook Classified(InboundWebhook webhook) =>
        webhook.Message is StripePaymentMessage payment && StripeEventTypes.Classified(payment.Event) is var classified && classified != payment.Event
            ? webhook with { Message = payment with { Event = classified } }
            : webhook;

    private async Task DispatchAsync(WebhookMessage message)
    {
        switch (message)
        {
            case FleetStatusChanged changed:
                await GrainFactory.GetGrain<IVehicleGrain>(changed.Vin).ReportStatusAsync(
                    new VehicleStatusReport(changed.Status, changed.OccurredAt, new TransitionCause($"fleet event {changed.EventId}", "fleet")));
                break;
            case FleetMaintenanceScheduled maintenance:
                var overlapped = await GrainFactory.GetGrain<IVehicleGrain>(maintenance.Vin)
                    .ScheduleMaintenanceAsync(maintenance.EventId, maintenance.From, maintenance.To);
                foreach (var reservationId in overlapped)
                {
                    await GrainFactory.GetGrain<IReservationGrain>(reservationId).OnMaintenanceScheduledAsync(maintenance.From, maintenance.To);
                }

                break;
            case FactoryStatusReported factory:
                await GrainFactory.GetGrain<IFactoryOrderGrain>(factory.OrderId).OnFactoryStatusAsync(factory.Update);
                break;
            case StripePaymentMessage { ReservationId: { } reservationId } payment:
                await GrainFactory.GetGrain<IReservationGrain>(reservationId).OnPaymentEventAsync(payment.Event);
                break;
            case StripePaymentMessage { PurchaseId: { } purchaseId } payment:
                await GrainFactory.GetGrain<IServicePurchaseGrain>(purchaseId).OnPaymentEventAsync(payment.Event);
                break;
            case StripePaymentMessage:
                // Not about anything this platform owns: acknowledged, nothing to do.
                break;
            default:
                throw new NotSupportedException($"No handler for {message.GetType().Name}");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Source} webhook {MessageId} failed processing; kept as a dead letter")]
    private partial void LogFailed(Exception exception, string source, string messageId);
}
