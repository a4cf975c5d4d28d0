using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Flows;
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
    IOptionsMonitor<FlowOptions> flowOptions,
    TimeProvider time,
    ILogger<FactoryOrderGrain> logger) : Grain, IFactoryOrderGrain, IRemindable, IStoredFlowGrain
{
    private string Id => this.GetPrimaryKeyString();

    private FactoryOrderState S => state.State;

    private OrderOptions Orders => options.CurrentValue;

    private FlowJournal Journal => S.Journal;

    private IFactoryAdapterGrain Factory => GrainFactory.GetGrain<IFactoryAdapterGrain>(0);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        FactoryOrderFlow.Upgrade(S, Orders);
        Outbox.PublishSoon();
        return Task.CompletedTask;
    }

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
            // places once per reference (FAC-4), so the order is never placed twice. Answering the
            // repeat with Placing would show the client a state no client is meant to see.
            if (S.Status == FactoryOrderStatus.Placing)
            {
                await PlaceAtFactoryAsync(new TransitionCause("placement carried on at the client's retry", request.CustomerId));
            }

            return View();
        }

        S.Request = request;
        S.CreatedAt = time.GetUtcNow();
        await MoveAsync(FactoryOrderStatus.Placing, new TransitionCause("order requested", request.CustomerId));
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
            Journal.Owe(ObligationKind.Register);
        }

        S.FactoryOrderId ??= update.FactoryOrderId;
        S.EstimatedCompletionDate = update.EstimatedCompletionDate ?? S.EstimatedCompletionDate;
        S.LastFactoryStatusAt = update.OccurredAt;
        S.LastError = null;
        NotifyOf(next, update.OccurredAt);
        await MoveAsync(next, new TransitionCause($"Factory reported {update.Status} ({update.Source})", "factory"));
        if (Journal.Owes(ObligationKind.Register))
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
                await MoveAsync(FactoryOrderStatus.Placing, cause with { Reason = $"placement retried: {cause.Reason}" });
                await PlaceAtFactoryAsync(cause with { Reason = "placed at the Factory on retry" });
                break;
            case FactoryOrderStatus.RegistrationFailed:
                Journal.Owe(ObligationKind.Register);
                await MoveAsync(FactoryOrderStatus.Ready, cause with { Reason = $"registration retried: {cause.Reason}" });
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

        Journal.Discharge(ObligationKind.Register);
        await MoveAsync(FactoryOrderStatus.Abandoned, cause);
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
        await MoveAsync(FactoryOrderStatus.Delivered, cause);
        await SettleAsync();
        return View();
    }

    private void EnsureExists()
    {
        if (S.Request is null)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Order {Id} was not found.");
        }
    }

    private FactoryOrderView View() => new(Id, S.Request!.CustomerId, S.Request.Spec, S.Status, S.FactoryOrderId, S.EstimatedCompletionDate, S.Vin,
        S.Registration, S.LastError, S.CreatedAt, [.. S.History]);
}
