using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Flows;
using CaaS.Grains.Integration;
using CaaS.Grains.Notifications;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Services;

/// <summary>What the purchase carries out on its own (an abandonment, the activation's start, a void, the capture, notifications) and how it stores its moves.</summary>
public sealed partial class ServicePurchaseGrain
{
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        using var step = FlowTrace.Continue("service purchase guard", S.TraceParent);
        if (S.Request is null)
        {
            await this.StopReminderAsync(reminderName);
            return;
        }

        if (S.Status == ServicePurchaseStatus.Validating && time.GetUtcNow() - S.CreatedAt >= Services.AbandonValidationAfter)
        {
            LogAbandoned(Id);
            Journal.Owe(ObligationKind.Void);
            S.ErrorCode = ErrorCodes.DependencyUnavailable;
            S.ErrorMessage = "The purchase could not be completed; nothing was charged.";
            await MoveAsync(ServicePurchaseStatus.Failed, TransitionCause.Automatic("validation interrupted; abandoned and undone"));
        }

        if (S.Status == ServicePurchaseStatus.Activating && Journal.Owes(ObligationKind.StartActivation))
        {
            await StartActivationAsync();
        }

        await SettleAsync();
    }

    private async Task StartActivationAsync()
    {
        await GrainFactory.GetGrain<IOtaCommandGrain>(CommandId).StartAsync(new OtaCommandRequest(S.Request!.Vin, IotCommands.ActivateService,
            new Dictionary<string, string> { ["serviceCode"] = S.Request.ServiceCode, ["purchaseId"] = Id }, Id, S.TraceParent));
        Journal.Discharge(ObligationKind.StartActivation);
        await state.WriteStateAsync();
    }

    /// <summary>Carries out what is owed; the guard stays until nothing is.</summary>
    private async Task SettleAsync()
    {
        if (Journal.VoidIsDue(time.GetUtcNow()))
        {
            try
            {
                await Payments.VoidAllAsync(PaymentMetadata.PurchaseId, Id, Journal.LostCreates());
                Journal.Voided(time.GetUtcNow(), flowOptions.CurrentValue.VoidRecheckAfter);
                await state.WriteStateAsync();
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "void");
            }
        }

        if (Journal.Owed(ObligationKind.Capture) is { } capture)
        {
            try
            {
                var captured = await Payments.CaptureAsync(S.PaymentIntentId!, capture.Amount ?? S.Price!, $"{Id}/capture");
                Journal.Discharge(ObligationKind.Capture);
                RecordMoney("capture", MoneyMovementType.Captured, captured.AmountReceived, S.PaymentIntentId!);
                await RecordAsync(FlowEntryKind.Captured, TransitionCause.Automatic("captured after the activation was confirmed"));
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "capture");
            }
        }

        if (Journal.Owes(ObligationKind.Notify) && await NotificationOutbox.DeliverAsync(Journal, GrainFactory, logger, FlowKinds.ServicePurchase, Id, time.GetUtcNow()))
        {
            await state.WriteStateAsync();
        }

        await KeepGuardAsync();
    }

    private GuardKeeper? _guard;

    private GuardKeeper Guard => _guard ??= new GuardKeeper(this);

    private Task KeepGuardAsync() => Guard.KeepAsync(Journal, Services.GuardPeriod, time.GetUtcNow());

    private void Notify(string what, string template, string subject) =>
        NotificationOutbox.Record(Journal, $"{Id}/{what}", S.Request!.CustomerId, template, subject,
            new Dictionary<string, string> { ["purchaseId"] = Id, ["vin"] = S.Request.Vin, ["serviceCode"] = S.Request.ServiceCode }, time.GetUtcNow());

    private async Task MoveAsync(ServicePurchaseStatus to, TransitionCause cause)
    {
        var now = time.GetUtcNow();
        S.Move(ServicePurchaseFlow.Table, to, cause, now, flowOptions.CurrentValue);
        ServicePurchaseFlow.Entered(S, now, Services);
        if (to == ServicePurchaseStatus.Validating)
        {
            // The guard exists before the calls it guards: a crash mid-validation is given up and undone.
            await KeepGuardAsync();
        }

        await StoreAsync(now);
    }

    private Task RecordAsync(FlowEntryKind kind, TransitionCause cause)
    {
        var now = time.GetUtcNow();
        S.Record(kind, cause, now, flowOptions.CurrentValue);
        return StoreAsync(now);
    }

    private async Task StoreAsync(DateTimeOffset now)
    {
        S.UpdatedAt = now;
        await Guard.BeforeWriteAsync(Journal, Services.GuardPeriod, now);
        await state.WriteStateAsync();
        await Outbox.PublishAsync();
    }

    private Events.OutboxPublisher? _outbox;

    private Events.OutboxPublisher Outbox => _outbox ??= new Events.OutboxPublisher(this, () => Journal, () => S.Request is null
        ? Events.OutboxBatch.Empty
        : Events.FlowEvents.Pending(Abstractions.Events.EventSubjects.Purchase, Id, Journal, () => Events.FlowEvents.FlowData(Moved()), S.MoneyMoves));

    public Task RepublishAsync() => S.Request is null ? Task.CompletedTask
        : Outbox.RepublishAsync(() => Events.FlowEvents.Snapshot(Abstractions.Events.EventSubjects.Purchase, Id, Journal, S.History,
            () => Events.FlowEvents.FlowData(Moved()), S.MoneyMoves));

    public Task<FlowMoved?> DescribeFlowAsync() => Task.FromResult(S.Request is null ? null : Moved());

    public Task<IReadOnlyList<Obligation>> OwedAsync() => Task.FromResult<IReadOnlyList<Obligation>>([.. S.Journal.Obligations]);

    private FlowMoved Moved() => new(FlowKinds.ServicePurchase, Id, S.Status.ToString(), ServicePurchaseFlow.IsFinished(S),
        S.UpdatedAt ?? S.CreatedAt, CustomerId: S.Request!.CustomerId, Vin: S.Request.Vin, Sequence: Journal.Sequence);

    private void RecordMoney(string step, MoneyMovementType type, Money amount, string paymentIntentId) =>
        MoneyLedger.Record(S.MoneyMoves, new MoneyMoved($"{Id}/{step}", time.GetUtcNow(), RevenueKind.VehicleService, type, amount, 0, Id, paymentIntentId));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purchase {PurchaseId}: validation never finished; abandoning it")]
    private partial void LogAbandoned(string purchaseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purchase {PurchaseId}: {Action} deferred to the next reminder")]
    private partial void LogSettlementDeferred(Exception exception, string purchaseId, string action);
}
