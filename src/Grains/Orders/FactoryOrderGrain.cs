using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Notifications;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Orders;

/// <summary>
/// The factory order saga. Placement is one synchronous call that is never retried on its own
/// (FAC-1); the Factory then pushes statuses (FAC-2), and a reminder polls when it has been silent
/// (FAC-4), runs the registration a Ready order owes (REG-1, off the webhook's turn because it may
/// take minutes), and delivers the notifications in the outbox (NOT-1).
/// </summary>
public sealed partial class FactoryOrderGrain(
    [PersistentState("factory-order", StorageNames.Grains)] IPersistentState<FactoryOrderState> state,
    IOptionsMonitor<OrderOptions> options,
    TimeProvider time,
    ILogger<FactoryOrderGrain> logger) : Grain, IFactoryOrderGrain, IRemindable
{
    private const string Guard = "guard";

    private IGrainTimer? _settleSoon;

    private string Id => this.GetPrimaryKeyString();

    private FactoryOrderState S => state.State;

    private OrderOptions Rules => options.CurrentValue;

    private IFactoryAdapterGrain Factory => GrainFactory.GetGrain<IFactoryAdapterGrain>(0);

    public async Task<FactoryOrderView> PlaceAsync(PlaceFactoryOrder request)
    {
        if (S.Request is not null)
        {
            if (S.Request != request)
            {
                throw new DomainException(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was used for a different order.");
            }

            // A repeat that finds the order still Placing can only follow a placement its silo died in
            // (calls to this grain take turns): the client's retry carries it on, and the Factory
            // places once per reference (FAC-4), so the order is never placed twice. Found in the
            // chaos suite: the repeat used to answer 201 with Placing, a state no client is shown.
            if (S.Status == FactoryOrderStatus.Placing)
            {
                await PlaceAtFactoryAsync(new TransitionCause("placement carried on at the client's retry", request.CustomerId));
            }

            return View();
        }

        S.Request = request;
        S.CreatedAt = time.GetUtcNow();
        // The guard exists before the call it guards: a crash mid-placement ends PlacementFailed, for a human.
        await GuardAsync(Rules.PlacementInterruptedAfter);
        await SaveAsync(FactoryOrderStatus.Placing, new TransitionCause("order requested", request.CustomerId));
        await PlaceAtFactoryAsync(new TransitionCause("placed at the Factory", request.CustomerId));
        return View();
    }

    public Task<FactoryOrderView?> GetAsync() => Task.FromResult(S.Request is null ? null : View());

    public async Task OnFactoryStatusAsync(FactoryStatusUpdate update)
    {
        EnsureExists();
        S.LastFactoryNewsAt = time.GetUtcNow();
        if (FactoryOrderRules.Next(S, update) is not { } next)
        {
            LogIgnored(Id, update.Status, update.OccurredAt, S.Status);
            await state.WriteStateAsync();
            return;
        }

        if (next == FactoryOrderStatus.Ready)
        {
            if (update.Vin is not { } vin || !Vin.IsValid(vin))
            {
                throw new DomainException(ErrorCodes.ValidationFailed, $"The Factory reported order {Id} READY without a valid VIN.");
            }

            var vehicle = await GrainFactory.GetGrain<IVehicleGrain>(Vin.Normalize(vin)).GetAsync();
            if (vehicle?.OwnerId is { } owner && owner != S.Request!.CustomerId)
            {
                throw new DomainException(ErrorCodes.InvalidState, $"The Factory reported VIN {vin} for order {Id}, but that vehicle belongs to another customer.");
            }

            S.Vin = Vin.Normalize(vin);
            S.RegistrationOwed = true;
        }

        S.FactoryOrderId ??= update.FactoryOrderId;
        S.EstimatedCompletionDate = update.EstimatedCompletionDate ?? S.EstimatedCompletionDate;
        S.LastFactoryStatusAt = update.OccurredAt;
        S.LastError = null;
        NotifyOf(next, update.OccurredAt);
        await SaveAsync(next, new TransitionCause($"Factory reported {update.Status} ({update.Source})", "factory"));
        if (S.RegistrationOwed)
        {
            // Registration may take minutes (REG-1): not on the webhook's turn.
            SettleSoon();
        }
        else
        {
            await SettleAsync();
        }
    }

    public async Task<FactoryOrderView> RetryAsync(TransitionCause cause)
    {
        EnsureExists();
        switch (S.Status)
        {
            case FactoryOrderStatus.PlacementFailed:
                await SaveAsync(FactoryOrderStatus.Placing, cause with { Reason = $"placement retried: {cause.Reason}" });
                await PlaceAtFactoryAsync(cause with { Reason = "placed at the Factory on retry" });
                break;
            case FactoryOrderStatus.RegistrationFailed:
                S.RegistrationOwed = true;
                await SaveAsync(FactoryOrderStatus.Ready, cause with { Reason = $"registration retried: {cause.Reason}" });
                SettleSoon();
                break;
            default:
                throw new DomainException(ErrorCodes.InvalidState, $"An order that is {S.Status} has no failed step to retry.");
        }

        return View();
    }

    public async Task<FactoryOrderView> AbandonAsync(TransitionCause cause)
    {
        EnsureExists();
        if (S.Status is not (FactoryOrderStatus.PlacementFailed or FactoryOrderStatus.RegistrationFailed))
        {
            throw new DomainException(ErrorCodes.InvalidState, $"Only a failed order can be abandoned; this one is {S.Status}.");
        }

        S.RegistrationOwed = false;
        await SaveAsync(FactoryOrderStatus.Abandoned, cause);
        await SettleAsync();
        return View();
    }

    public async Task<FactoryOrderView> DeliverAsync(TransitionCause cause)
    {
        EnsureExists();
        if (S.Status == FactoryOrderStatus.Delivered)
        {
            return View();
        }

        if (S.Status != FactoryOrderStatus.Registered)
        {
            throw new DomainException(ErrorCodes.InvalidState, $"Only a registered vehicle is delivered (REG-2); this order is {S.Status}.");
        }

        await GrainFactory.GetGrain<IVehicleGrain>(S.Vin!).AssignOwnerAsync(S.Request!.CustomerId, Id, S.Request.Spec.Model, cause);
        NotifyOf(FactoryOrderStatus.Delivered, time.GetUtcNow());
        await SaveAsync(FactoryOrderStatus.Delivered, cause);
        await SettleAsync();
        return View();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (S.Request is null)
        {
            await UnguardAsync();
            return;
        }

        if (S.Status == FactoryOrderStatus.Placing && time.GetUtcNow() - (S.UpdatedAt ?? S.CreatedAt) >= Rules.PlacementInterruptedAfter)
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
        await SaveAsync(FactoryOrderStatus.Placed, cause);
        await SettleAsync();
    }

    private async Task PlacementFailedAsync(string reason)
    {
        S.LastError = reason;
        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"factory-placement/{Id}", OpsItemKind.Alert, "Factory order placement failed",
            $"Order {Id} was not placed: {reason}. Retry or abandon it.", FlowKinds.FactoryOrder, Id, time.GetUtcNow(),
            new Dictionary<string, string> { ["customerId"] = S.Request!.CustomerId, ["model"] = S.Request.Spec.Model }));
        await SaveAsync(FactoryOrderStatus.PlacementFailed, TransitionCause.Automatic($"placement failed: {reason}"));
    }

    /// <summary>FAC-4: the Factory's own answer stands in for the webhooks that did not come.</summary>
    private async Task PollIfSilentAsync()
    {
        var now = time.GetUtcNow();
        if (!FactoryOrderRules.AtTheFactory(S.Status) || S.FactoryOrderId is null || now - (S.LastFactoryNewsAt ?? S.CreatedAt) < Rules.PollAfter)
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

    /// <summary>Carries out what is owed (registration, notifications); the guard stays while anything is, or the Factory still has the order.</summary>
    private async Task SettleAsync()
    {
        if (S.RegistrationOwed && S.Status == FactoryOrderStatus.Ready)
        {
            await RegisterAsync();
        }

        if (S.Outbox.Count > 0 && await NotificationOutbox.DeliverAsync(S.Outbox, GrainFactory, logger))
        {
            await state.WriteStateAsync();
        }

        if (S.Outbox.Count == 0 && !S.RegistrationOwed && !FactoryOrderRules.AtTheFactory(S.Status) && S.Status != FactoryOrderStatus.Placing)
        {
            await UnguardAsync();
        }
        else
        {
            await GuardAsync(Rules.GuardPeriod);
        }
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
            S.RegistrationOwed = false;
            S.LastError = null;
            await SaveAsync(FactoryOrderStatus.Registered, TransitionCause.Automatic($"registered in {request.Spec.Country} as {registration.PlateNumber}"));
        }
        catch (IntegrationException failure)
        {
            LogRegistrationFailed(failure, Id, request.Spec.Country);
            S.RegistrationOwed = false;
            S.LastError = failure.Message;
            await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"registration/{Id}", OpsItemKind.Alert, "Vehicle registration failed",
                $"{S.Vin} could not be registered in {request.Spec.Country}: {failure.Message}. Delivery is blocked until it is; retry or abandon.",
                FlowKinds.FactoryOrder, Id, time.GetUtcNow(), new Dictionary<string, string> { ["vin"] = S.Vin!, ["country"] = request.Spec.Country }));
            await SaveAsync(FactoryOrderStatus.RegistrationFailed, TransitionCause.Automatic($"registration failed: {failure.Message}"));
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
            NotificationOutbox.Record(S.Outbox, $"{Id}/{status}/{channel}/{occurredAt.ToUnixTimeMilliseconds()}", S.Request!.CustomerId, template, subject,
                new Dictionary<string, string> { ["orderId"] = Id, ["model"] = S.Request.Spec.Model, ["vin"] = S.Vin ?? "" }, time.GetUtcNow(), channel);
        }
    }

    private void EnsureExists()
    {
        if (S.Request is null)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Order {Id} was not found.");
        }
    }

    private async Task SaveAsync(FactoryOrderStatus to, TransitionCause cause)
    {
        var now = time.GetUtcNow();
        TransitionHistory.Append(S.History, TransitionHistory.Record(now, S.History.Count == 0 ? "None" : S.Status.ToString(), to.ToString(), cause));
        S.Status = to;
        S.UpdatedAt = now;
        await state.WriteStateAsync();
        await this.PublishFlowAsync(Moved(), logger);
    }

    public Task<FlowMoved?> DescribeFlowAsync() => Task.FromResult(S.Request is null ? null : Moved());

    private FlowMoved Moved() => new(FlowKinds.FactoryOrder, Id, S.Status.ToString(), S.Status is FactoryOrderStatus.Delivered or FactoryOrderStatus.Abandoned,
        S.UpdatedAt ?? S.CreatedAt, S.Status is FactoryOrderStatus.Placed or FactoryOrderStatus.Manufacturing or FactoryOrderStatus.Delayed ? S.EstimatedCompletionDate : null,
        S.Request!.CustomerId, S.Vin);

    private FactoryOrderView View() => new(Id, S.Request!.CustomerId, S.Request.Spec, S.Status, S.FactoryOrderId, S.EstimatedCompletionDate, S.Vin,
        S.Registration, S.LastError, S.CreatedAt, [.. S.History]);

    private Task GuardAsync(TimeSpan due) => this.RegisterOrUpdateReminder(Guard, due, Rules.GuardPeriod);

    private Task UnguardAsync() => this.StopReminderAsync(Guard);

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
