using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Webhooks;

/// <summary>
/// WH-3, WH-6, WH-7: the message is applied to the grains it concerns, and only then marked processed
/// and acknowledged. The handlers are idempotent themselves (event ids, occurredAt, state checks), so
/// a crash between the two only repeats a harmless application. SEC-7: what a webhook carried is kept for
/// <see cref="WebhookRetentionOptions.BodyRetention"/> after it was received, then dropped when the inbox
/// is next activated or called (a reminder per inbox would cost a write per webhook); the key, which is the
/// message id, and the processed mark stay, so the same id is still refused.
/// </summary>
public sealed partial class WebhookInboxGrain(
    [PersistentState("inbox", StorageNames.Grains)] IPersistentState<InboxState> state,
    TimeProvider time,
    IOptionsMonitor<WebhookRetentionOptions> retention,
    ILogger<WebhookInboxGrain> logger) : Grain, IWebhookInboxGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) => DropExpiredAsync();

    public async Task<InboxOutcome> ProcessAsync(InboundWebhook webhook)
    {
        await DropExpiredAsync();
        // Once dropped, an unprocessed id is refused too: nothing is left to compare a second delivery
        // with, and a source retries for days, not for a whole retention.
        if (state.State.Processed || state.State.BodyDroppedAt is not null)
        {
            return InboxOutcome.Duplicate;
        }

        state.State.Webhook ??= webhook;
        if (webhook is { Source: ExternalSystem.Stripe, Via: InboundVia.Webhook })
        {
            await GrainFactory.GetGrain<IStripeEventRecoveryGrain>(0).WebhookArrivedAsync(webhook.ReceivedAt);
        }

        var outcome = await ApplyAsync();
        if (outcome == InboxOutcome.Processed)
        {
            // Each message id is a grain of its own and a source rarely sends one twice: kept active for
            // the idle collection age, thousands a second would fill the heap (issue 18 point 2). A
            // repeat reactivates it and reads Processed from storage.
            DeactivateOnIdle();
        }

        return outcome;
    }

    public async Task<InboxOutcome> ReplayAsync()
    {
        await DropExpiredAsync();
        return state.State.Processed ? InboxOutcome.Duplicate
            : state.State.BodyDroppedAt is { } dropped ? throw new DomainException(ErrorCodes.InvalidState,
                $"The body of this dead letter was dropped on {dropped:O}, after the retention (Webhooks:BodyRetention, {retention.CurrentValue.BodyRetention}); it cannot be replayed.")
            : state.State.Webhook is null ? throw new DomainException(ErrorCodes.NotFound, "No such dead letter.")
            : await ApplyAsync();
    }

    // Interleaved, so it must not write while a replay is in flight: it only hides what is due to go.
    public Task<string?> BodyAsync() => Task.FromResult(IsExpired(state.State.Webhook) ? null : state.State.Webhook?.Body);

    public async Task<DateTimeOffset?> BodyDroppedAtAsync()
    {
        await DropExpiredAsync();
        return state.State.BodyDroppedAt;
    }

    private bool IsExpired(InboundWebhook? webhook) =>
        webhook is not null && time.GetUtcNow() - webhook.ReceivedAt >= retention.CurrentValue.BodyRetention;

    private async Task DropExpiredAsync()
    {
        if (!IsExpired(state.State.Webhook))
        {
            return;
        }

        state.State.ReceivedAt = state.State.Webhook!.ReceivedAt;
        state.State.Webhook = null;
        state.State.BodyDroppedAt = time.GetUtcNow();
        await state.WriteStateAsync();
    }

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
