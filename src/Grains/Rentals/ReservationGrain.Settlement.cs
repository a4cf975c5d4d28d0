using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Events;
using CaaS.Grains.Analytics;
using CaaS.Grains.Events;
using CaaS.Grains.Flows;
using CaaS.Grains.Integration;
using CaaS.Grains.Notifications;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Rentals;

/// <summary>
/// How the reservation stores its moves and carries out what it owes: every move and change goes
/// through the flow shape and one state write, then out to the read models; the guard reminder
/// follows the obligations.
/// </summary>
public sealed partial class ReservationGrain
{
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (S.Request is null)
        {
            await this.StopReminderAsync(reminderName);
            return;
        }

        if (CreationIsOverdue)
        {
            await AbandonCreationAsync();
        }

        await SettleAsync();
    }

    private bool CreationIsOverdue => S.Status == ReservationStatus.Pending && time.GetUtcNow() - S.CreatedAt >= Rentals.AbandonCreationAfter;

    private async Task AbandonCreationAsync()
    {
        LogAbandoned(Id);
        await Vehicle.ReleaseAsync(Id);
        Journal.Owe(ObligationKind.Void);
        S.ErrorCode = ErrorCodes.DependencyUnavailable;
        S.ErrorMessage = "The reservation could not be completed; nothing was booked or charged.";
        await MoveAsync(ReservationStatus.Cancelled, TransitionCause.Automatic("creation interrupted; abandoned and undone"));
    }

    /// <summary>Carries out what is owed (a void, a capture, notifications); the guard stays until nothing is.</summary>
    private async Task SettleAsync()
    {
        // First: giving up a booking owes a void, which then goes out in the same pass.
        var changed = await SettleHoldsAsync(time.GetUtcNow());
        if (Journal.VoidIsDue(time.GetUtcNow()))
        {
            try
            {
                await Payments.VoidAllAsync(PaymentMetadata.ReservationId, Id, Journal.LostCreates());
                Journal.Voided(time.GetUtcNow(), flowOptions.CurrentValue.VoidRecheckAfter);
                changed = true;
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "void");
            }
        }

        if (Journal.Owed(ObligationKind.Capture) is { Amount: { } owed } capture && (capture.DueAt is null || capture.DueAt <= time.GetUtcNow())
            && S.Status == ReservationStatus.ReturnPending)
        {
            await CaptureFinalAsync(owed, time.GetUtcNow());
        }

        if (Journal.Owes(ObligationKind.Charge))
        {
            await ChargeOwedAsync();
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }

        if (Journal.Owes(ObligationKind.Notify) && await NotificationOutbox.DeliverAsync(Journal, GrainFactory, logger, FlowKinds.Rental, Id, time.GetUtcNow()))
        {
            await state.WriteStateAsync();
        }

        await KeepGuardAsync();
    }

    private GuardKeeper Guard => _guard ??= new GuardKeeper(this);

    private Task KeepGuardAsync() => Guard.KeepAsync(Journal, Rentals.GuardPeriod, time.GetUtcNow());

    private void Notify(string what, string template, string subject) =>
        NotificationOutbox.Record(Journal, $"{Id}/{what}", S.Request!.CustomerId, template, subject,
            new Dictionary<string, string> { ["reservationId"] = Id, ["vehicleId"] = S.Request.VehicleId, ["startsAt"] = S.Request.StartsAt.ToString("O") },
            time.GetUtcNow());

    private async Task MoveAsync(ReservationStatus to, TransitionCause cause)
    {
        var now = time.GetUtcNow();
        var creationEnds = S.HasStarted() && S.Status == ReservationStatus.Pending;
        S.Move(ReservationFlow.Table, to, cause, now, flowOptions.CurrentValue);
        if (creationEnds)
        {
            Journal.Discharge(ObligationKind.FinishOrAbandon);
        }

        await StoreAsync(now);
        if (creationEnds)
        {
            ReservationMetrics.CreationEnded(to);
        }
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
        await Guard.BeforeWriteAsync(Journal, Rentals.GuardPeriod, now);
        await state.WriteStateAsync();
        // ANA-2 and the ops read models: every change goes out once it is stored.
        await Outbox.PublishAsync();
    }

    private OutboxPublisher Outbox => _outbox ??= new OutboxPublisher(this, () => Journal, () => S.Request is null
        ? OutboxBatch.Empty
        : FlowEvents.Pending(EventSubjects.Booking, Id, Journal, BookingData, S.MoneyMoves));

    private string BookingData() => FlowEvents.BookingData(BookingExports.Of(Id, S, Rentals.Currency, analyticsOptions.CurrentValue.PseudonymKey!));

    public Task RepublishAsync() => S.Request is null ? Task.CompletedTask
        : Outbox.RepublishAsync(() => FlowEvents.Snapshot(EventSubjects.Booking, Id, Journal, S.History, BookingData, S.MoneyMoves));

    public Task<FlowMoved?> DescribeFlowAsync() => Task.FromResult(S.Request is null ? null : Moved());

    public Task<IReadOnlyList<Obligation>> OwedAsync() => Task.FromResult<IReadOnlyList<Obligation>>([.. S.Journal.Obligations]);

    private FlowMoved Moved() => new(FlowKinds.Rental, Id, S.Status.ToString(), ReservationFlow.IsFinished(S.Status),
        S.UpdatedAt ?? S.CreatedAt, ReservationFlow.HoldsTheVehicle(S.Status) ? S.Request!.EndsAt : null,
        S.Request!.CustomerId, S.Vin, S.Request.VehicleId, S.Request.StartsAt, S.Request.EndsAt, Journal.Sequence);

    private DomainException Unavailable(IntegrationException failure, string action)
    {
        LogActionFailed(failure, Id, action);
        return new DomainException(ErrorCodes.DependencyUnavailable, $"Could not {action} right now; nothing was changed. Please try again.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: creation never finished; abandoning it (hold released, authorisation voided)")]
    private partial void LogAbandoned(string reservationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: {Action} deferred to the next reminder")]
    private partial void LogSettlementDeferred(Exception exception, string reservationId, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: {Action} failed at a dependency")]
    private partial void LogActionFailed(Exception exception, string reservationId, string action);
}
