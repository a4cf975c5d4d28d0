using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Flows;
using CaaS.Grains.Notifications;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Orders;

/// <summary>
/// What the order carries out on its own: finding an interrupted placement, polling a silent Factory
/// (FAC-4), registering a Ready vehicle (REG-1) and delivering notifications (NOT-1), while its guard
/// follows what it owes.
/// </summary>
public sealed partial class FactoryOrderGrain
{
    private IGrainTimer? _settleSoon;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (S.Request is null)
        {
            await this.StopReminderAsync(reminderName);
            return;
        }

        if (S.Status == FactoryOrderStatus.Placing && time.GetUtcNow() - (S.UpdatedAt ?? S.CreatedAt) >= Orders.PlacementInterruptedAfter)
        {
            await PlacementFailedAsync("the placement was interrupted before the Factory answered; retrying is safe (the Factory keeps one order per reference)");
        }

        await PollIfSilentAsync();
        await SettleAsync();
    }

    private async Task PlaceAtFactoryAsync(TransitionCause cause)
    {
        FactoryOrderPlacement placement;
        try
        {
            placement = await Factory.PlaceOrderAsync(Id, S.Request!.Spec);
        }
        catch (IntegrationException failure)
        {
            LogPlacementFailed(failure, Id);
            await PlacementFailedAsync(failure.Message);
            return;
        }

        S.FactoryOrderId = placement.FactoryOrderId;
        S.EstimatedCompletionDate = placement.EstimatedCompletionDate;
        S.LastFactoryNewsAt = time.GetUtcNow();
        S.LastError = null;
        await MoveAsync(FactoryOrderStatus.Placed, cause);
        await SettleAsync();
    }

    private async Task PlacementFailedAsync(string reason)
    {
        S.LastError = reason;
        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"factory-placement/{Id}", OpsItemKind.Alert, "Factory order placement failed",
            $"Order {Id} was not placed: {reason}. Retry or abandon it.", FlowKinds.FactoryOrder, Id, time.GetUtcNow(),
            new Dictionary<string, string> { ["customerId"] = S.Request!.CustomerId, ["model"] = S.Request.Spec.Model }));
        await MoveAsync(FactoryOrderStatus.PlacementFailed, TransitionCause.Automatic($"placement failed: {reason}"));
    }

    /// <summary>FAC-4: the Factory's own answer stands in for the webhooks that did not come.</summary>
    private async Task PollIfSilentAsync()
    {
        var now = time.GetUtcNow();
        if (!Journal.Owes(ObligationKind.FollowFactory) || S.FactoryOrderId is null || now - (S.LastFactoryNewsAt ?? S.CreatedAt) < Orders.PollAfter)
        {
            return;
        }

        try
        {
            var report = await Factory.GetOrderAsync(S.FactoryOrderId);
            LogPolled(Id, report.Status);
            await OnFactoryStatusAsync(new FactoryStatusUpdate("poll", report.FactoryOrderId, report.Status, report.Vin, report.EstimatedCompletionDate, report.UpdatedAt));
        }
        catch (IntegrationException failure)
        {
            LogPollFailed(failure, Id);
        }
    }

    /// <summary>Carries out what is owed (registration, notifications); the guard stays while anything is.</summary>
    private async Task SettleAsync()
    {
        if (Journal.Owes(ObligationKind.Register) && S.Status == FactoryOrderStatus.Ready)
        {
            await RegisterAsync();
        }

        if (Journal.Owes(ObligationKind.Notify) && await NotificationOutbox.DeliverAsync(Journal, GrainFactory, logger, FlowKinds.FactoryOrder, Id, time.GetUtcNow()))
        {
            await state.WriteStateAsync();
        }

        await KeepGuardAsync();
    }

    /// <summary>REG-1: the adapter retries as the matrix says; what still fails blocks delivery and waits for ops.</summary>
    private async Task RegisterAsync()
    {
        var request = S.Request!;
        try
        {
            var registration = await GrainFactory.GetGrain<IRegistrationAdapterGrain>(0).RegisterAsync(
                new RegisterVehicle(request.Spec.Country, S.Vin!, request.Spec.Model, request.CustomerId, $"{Id}/register"));
            S.Registration = new RegistrationRecord(registration.RegistrationId, registration.PlateNumber, registration.RegisteredAt);
            Journal.Discharge(ObligationKind.Register);
            S.LastError = null;
            await MoveAsync(FactoryOrderStatus.Registered, TransitionCause.Automatic($"registered in {request.Spec.Country} as {registration.PlateNumber}"));
        }
        catch (IntegrationException failure)
        {
            LogRegistrationFailed(failure, Id, request.Spec.Country);
            Journal.Discharge(ObligationKind.Register);
            S.LastError = failure.Message;
            await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"registration/{Id}", OpsItemKind.Alert, "Vehicle registration failed",
                $"{S.Vin} could not be registered in {request.Spec.Country}: {failure.Message}. Delivery is blocked until it is; retry or abandon.",
                FlowKinds.FactoryOrder, Id, time.GetUtcNow(), new Dictionary<string, string> { ["vin"] = S.Vin!, ["country"] = request.Spec.Country }));
            await MoveAsync(FactoryOrderStatus.RegistrationFailed, TransitionCause.Automatic($"registration failed: {failure.Message}"));
        }
    }

    /// <summary>Settles on a turn of its own, right after the current call; the guard reminder remains the durable fallback.</summary>
    private void SettleSoon()
    {
        _settleSoon?.Dispose();
        _settleSoon = this.RegisterGrainTimer(_ => SettleAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    private void NotifyOf(FactoryOrderStatus status, DateTimeOffset occurredAt)
    {
        foreach (var (channel, template, subject) in FactoryOrderRules.Notifications(status))
        {
            NotificationOutbox.Record(Journal, $"{Id}/{status}/{channel}/{occurredAt.ToUnixTimeMilliseconds()}", S.Request!.CustomerId, template, subject,
                new Dictionary<string, string> { ["orderId"] = Id, ["model"] = S.Request.Spec.Model, ["vin"] = S.Vin ?? "" }, time.GetUtcNow(), channel);
        }
    }

    private async Task MoveAsync(FactoryOrderStatus to, TransitionCause cause)
    {
        var now = time.GetUtcNow();
        S.Move(FactoryOrderFlow.Table, to, cause, now, flowOptions.CurrentValue);
        FactoryOrderFlow.Entered(S, now, Orders);
        S.UpdatedAt = now;
        if (to == FactoryOrderStatus.Placing)
        {
            // The guard exists before the call it guards: a crash mid-placement ends PlacementFailed, for a human.
            await KeepGuardAsync();
        }

        await Guard.BeforeWriteAsync(Journal, Orders.GuardPeriod, now);
        await state.WriteStateAsync();
        await Outbox.PublishAsync();
    }

    private Events.OutboxPublisher? _outbox;

    private Events.OutboxPublisher Outbox => _outbox ??= new Events.OutboxPublisher(this, () => Journal, () => S.Request is null
        ? Events.OutboxBatch.Empty
        : Events.FlowEvents.Pending(Abstractions.Events.EventSubjects.Order, Id, Journal, () => Events.FlowEvents.FlowData(Moved())));

    public Task RepublishAsync() => S.Request is null ? Task.CompletedTask
        : Outbox.RepublishAsync(() => Events.FlowEvents.Snapshot(Abstractions.Events.EventSubjects.Order, Id, Journal, S.History, () => Events.FlowEvents.FlowData(Moved())));

    private GuardKeeper? _guard;

    private GuardKeeper Guard => _guard ??= new GuardKeeper(this);

    private Task KeepGuardAsync() => Guard.KeepAsync(Journal, Orders.GuardPeriod, time.GetUtcNow());

    public Task<FlowMoved?> DescribeFlowAsync() => Task.FromResult(S.Request is null ? null : Moved());

    public Task<IReadOnlyList<Obligation>> OwedAsync() => Task.FromResult<IReadOnlyList<Obligation>>([.. S.Journal.Obligations]);

    private FlowMoved Moved() => new(FlowKinds.FactoryOrder, Id, S.Status.ToString(), FactoryOrderFlow.IsFinished(S.Status),
        S.UpdatedAt ?? S.CreatedAt, FactoryOrderRules.AtTheFactory(S.Status) ? S.EstimatedCompletionDate : null, S.Request!.CustomerId, S.Vin, Sequence: Journal.Sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: placement failed; waiting for a human decision (FAC-1)")]
    private partial void LogPlacementFailed(Exception exception, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: Factory news {Status} of {OccurredAt} changes nothing (order is {Current})")]
    private partial void LogIgnored(string orderId, string status, DateTimeOffset occurredAt, FactoryOrderStatus current);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: no webhook for a while; the Factory says {Status} (FAC-4)")]
    private partial void LogPolled(string orderId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: polling the Factory failed; trying again later")]
    private partial void LogPollFailed(Exception exception, string orderId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {OrderId}: registration in {Country} failed; delivery blocked, ops alerted (REG-1)")]
    private partial void LogRegistrationFailed(Exception exception, string orderId, string country);
}
