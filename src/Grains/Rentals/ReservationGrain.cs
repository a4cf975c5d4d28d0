using System.Security.Cryptography;
using System.Text;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Customers;
using CaaS.Grains.Integration;
using CaaS.Grains.Notifications;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Rentals;

/// <summary>
/// The reservation saga. Every step that touches another party is preceded by a persisted record of
/// what may be left behind (the hold, the authorisation), and a reminder stands guard until nothing
/// is: a crash at any point leaves either a retry that resumes (same idempotency keys, so never a
/// second PaymentIntent, PAY-9) or the reminder that undoes it.
/// </summary>
public sealed partial class ReservationGrain(
    [PersistentState("reservation", StorageNames.Grains)] IPersistentState<ReservationState> state,
    IOptionsMonitor<RentalOptions> options,
    TimeProvider time,
    ILogger<ReservationGrain> logger) : Grain, IReservationGrain, IRemindable
{
    private const string Guard = "guard";

    private string Id => this.GetPrimaryKeyString();

    private RentalOptions Rules => options.CurrentValue;

    private ReservationState S => state.State;

    private IVehicleGrain Vehicle => GrainFactory.GetGrain<IVehicleGrain>(S.Vin);

    private IPaymentAdapterGrain Payments => GrainFactory.GetGrain<IPaymentAdapterGrain>(0);

    public async Task<ReservationView> CreateAsync(CreateReservation request)
    {
        if (S.Request is not null)
        {
            if (S.Request != request)
            {
                throw new DomainException(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was used for a different reservation request.");
            }

            if (S.Status != ReservationStatus.Pending)
            {
                return Replay();
            }

            var listed = await GrainFactory.GetGrain<IFleetCatalogGrain>(0).FindAsync(request.VehicleId);
            return await CompleteCreationAsync(listed?.Status ?? VehicleStatus.Unknown);
        }
        else
        {
            RentalRules.EnsureBookable(Rules, request, time.GetUtcNow());
            var vehicle = await GrainFactory.GetGrain<IFleetCatalogGrain>(0).FindAsync(request.VehicleId)
                ?? throw new DomainException(ErrorCodes.NotFound, $"Vehicle {request.VehicleId} was not found.");
            var customer = await GrainFactory.GetGrain<ICustomerGrain>(request.CustomerId).GetStatusAsync();
            CustomerEligibility.Ensure(customer.Profile, Rules.MinimumCreditScore);

            var price = RentalRules.Price(Rules, vehicle.Category, request.StartsAt, request.EndsAt);
            S.Request = request;
            S.Vin = vehicle.Vin;
            S.Category = vehicle.Category;
            S.CreatedAt = time.GetUtcNow();
            S.Price = price;
            S.AuthorizedAmount = RentalRules.ToAuthorize(Rules, price);
            S.Status = ReservationStatus.Pending;
            S.HoldRequested = true;
            // The guard exists before anything it guards: a crash after this line is always cleaned up.
            await GuardAsync(Rules.AbandonCreationAfter);
            await SaveAsync(null, ReservationStatus.Pending, TransitionCause.Automatic("reservation requested"));
            return await CompleteCreationAsync(vehicle.Status);
        }
    }

    /// <param name="fleetStatus">FLT-4: Fleet Management's status, which counts while the platform has none of its own.</param>
    private async Task<ReservationView> CompleteCreationAsync(VehicleStatus fleetStatus)
    {
        var request = S.Request!;
        var hold = await Vehicle.HoldAsync(Id, request.StartsAt, request.EndsAt, fleetStatus);
        if (hold != HoldOutcome.Held)
        {
            S.HoldRequested = false;
            return await RejectAsync(ReservationStatus.Rejected, ErrorCodes.VehicleUnavailable,
                hold == HoldOutcome.Taken ? "The vehicle is already reserved for part of that time." : "The vehicle cannot be rented right now.");
        }

        PaymentRecord authorization;
        try
        {
            authorization = await Payments.AuthorizeAsync(new AuthorizePayment($"{Id}/authorize", S.AuthorizedAmount!, request.PaymentMethodId,
                request.CustomerId, $"Rental {Id}", new Dictionary<string, string> { [PaymentMetadata.ReservationId] = Id, ["vehicleId"] = request.VehicleId }));
        }
        catch (PaymentDeclinedException declined)
        {
            await Vehicle.ReleaseAsync(Id);
            S.HoldRequested = false;
            LogDeclined(Id, declined.DeclineCode);
            return await RejectAsync(ReservationStatus.PaymentFailed, ErrorCodes.PaymentDeclined, "The card was declined; no money was reserved.");
        }
        catch (IntegrationException failure)
        {
            // Stripe may have authorised before the answer was lost: leave a void to the guard.
            LogAuthorizationUncertain(failure, Id);
            await Vehicle.ReleaseAsync(Id);
            S.HoldRequested = false;
            S.VoidPending = true;
            return await RejectAsync(ReservationStatus.Rejected, ErrorCodes.DependencyUnavailable,
                "The payment provider could not be reached; nothing was booked or charged. Please try again.");
        }

        S.PaymentIntentId = authorization.PaymentIntentId;
        Notify("confirmed", "RESERVATION_CONFIRMED", "Your reservation is confirmed");
        await SaveAsync(ReservationStatus.Pending, ReservationStatus.Confirmed, TransitionCause.Automatic("payment authorised"));
        await SettleAsync();
        return View();
    }

    public Task<ReservationView?> GetAsync(string customerId) =>
        Task.FromResult(S.Request?.CustomerId == customerId ? View() : null);

    public async Task<ReservationView> CancelAsync(string customerId)
    {
        EnsureOwner(customerId);
        if (S.Status == ReservationStatus.Cancelled)
        {
            return View();
        }

        if (S.Status != ReservationStatus.Confirmed)
        {
            throw new DomainException(ErrorCodes.InvalidState, $"A reservation that is {S.Status} cannot be cancelled.");
        }

        var fee = RentalRules.CancellationFee(Rules, S.Price!, S.Request!.StartsAt, time.GetUtcNow());
        try
        {
            if (fee.Amount == 0)
            {
                await Payments.CancelAsync(S.PaymentIntentId!, $"{Id}/cancel");
            }
            else
            {
                // Capturing part of the hold releases the rest of it (PAY-3).
                var captured = await Payments.CaptureAsync(S.PaymentIntentId!, fee, $"{Id}/cancellation-fee");
                S.CapturedAmount = captured.AmountReceived;
                S.Fines.Add(new Fine("late cancellation", fee));
                RecordMoney("cancellation-fee", MoneyMovementType.Captured, captured.AmountReceived, fee.Amount, S.PaymentIntentId!);
            }
        }
        catch (IntegrationException failure)
        {
            throw Unavailable(failure, "cancel");
        }

        await Vehicle.ReleaseAsync(Id);
        S.HoldRequested = false;
        Notify("cancelled", "RESERVATION_CANCELLED", fee.Amount == 0 ? "Your reservation is cancelled at no cost" : "Your reservation is cancelled");
        await SaveAsync(ReservationStatus.Confirmed, ReservationStatus.Cancelled, new TransitionCause("cancelled by the customer", customerId));
        await SettleAsync();
        return View();
    }

    public async Task<UnlockResult> UnlockAsync(string customerId)
    {
        EnsureOwner(customerId);
        var now = time.GetUtcNow();
        if (S.Status is not (ReservationStatus.Confirmed or ReservationStatus.Active))
        {
            throw new DomainException(ErrorCodes.InvalidState, $"A reservation that is {S.Status} cannot be unlocked.");
        }

        if (now < S.Request!.StartsAt - Rules.UnlockEarly || now > S.Request.EndsAt)
        {
            throw new DomainException(ErrorCodes.InvalidState, "The vehicle can be unlocked only within the rental window.");
        }

        IotDispatch dispatch;
        try
        {
            dispatch = await GrainFactory.GetGrain<IIotAdapterGrain>(0).SendCommandAsync(new IotCommandRequest(S.Vin, IotCommands.Unlock,
                new Dictionary<string, string> { ["reservationId"] = Id }, $"{Id}/unlock/{now.ToUnixTimeMilliseconds()}", null));
        }
        catch (IntegrationException failure)
        {
            throw Unavailable(failure, "unlock");
        }

        if (S.Status == ReservationStatus.Confirmed)
        {
            await SaveAsync(ReservationStatus.Confirmed, ReservationStatus.Active, new TransitionCause("unlocked by the renter", customerId));
        }

        return new UnlockResult(dispatch.CommandId, dispatch.Status.ToString());
    }

    public async Task<ReservationView> ReturnAsync(string customerId, ReturnProof proof)
    {
        EnsureOwner(customerId);
        if (S.Status is ReservationStatus.ReturnPending or ReservationStatus.Completed)
        {
            return View();
        }

        if (S.Status != ReservationStatus.Active)
        {
            throw new DomainException(ErrorCodes.InvalidState, $"A reservation that is {S.Status} cannot be returned; unlock it first.");
        }

        var now = time.GetUtcNow();
        S.ReturnProof = proof;
        S.ReturnedAt = now;
        S.VerificationIssues = [.. RentalRules.Verify(Rules, proof)];
        if (S.VerificationIssues.Count > 0)
        {
            await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"return-verification/{Id}", OpsItemKind.Alert,
                "Return needs verification", string.Join("; ", S.VerificationIssues), FlowKinds.Rental, Id, now, new Dictionary<string, string> { ["vin"] = S.Vin }));
            await SaveAsync(ReservationStatus.Active, ReservationStatus.ReturnPending, new TransitionCause("returned; waiting for ops verification", customerId));
            return View();
        }

        await DecideFinalAmountAsync(ReservationStatus.Active, new TransitionCause("returned and verified", customerId));
        return View();
    }

    /// <summary>The return is accepted: fines are added, the amount to capture is fixed, and the capture is carried out.</summary>
    private async Task DecideFinalAmountAsync(ReservationStatus from, TransitionCause cause)
    {
        S.Fines = [.. S.Fines, .. RentalRules.Fines(Rules, S.ReturnProof!, S.Request!.EndsAt, S.ReturnedAt!.Value)];
        S.CapturePending = FinalAmount();
        await GuardAsync(Rules.GuardPeriod);
        await SaveAsync(from, ReservationStatus.ReturnPending, cause);
        await SettleAsync();
    }

    /// <summary>Price and fines, but never more than the hold Stripe will let us capture.</summary>
    private Money FinalAmount()
    {
        var total = S.Fines.Aggregate(S.Price!, (sum, fine) => sum.Plus(fine.Amount));
        return total.Amount > S.AuthorizedAmount!.Amount ? S.AuthorizedAmount : total;
    }

    private bool AwaitsVerification => S.Status == ReservationStatus.ReturnPending && S.CapturePending is null && S.VerificationIssues.Count > 0;

    public Task<ReservationView?> InspectAsync() => Task.FromResult(S.Request is null ? null : View());

    public async Task<ReservationView> OverrideReturnVerificationAsync(bool approved, TransitionCause cause)
    {
        EnsureExists();
        if (!AwaitsVerification)
        {
            throw new DomainException(ErrorCodes.InvalidState, $"Reservation {Id} is {S.Status} and has no return waiting for verification.");
        }

        var alert = $"return-verification/{Id}";
        if (approved)
        {
            await DecideFinalAmountAsync(ReservationStatus.ReturnPending, cause with { Reason = $"return approved by ops: {cause.Reason}" });
        }
        else
        {
            S.ReturnProof = null;
            S.ReturnedAt = null;
            S.VerificationIssues = [];
            Notify($"return-refused-{S.History.Count}", "RETURN_REFUSED", "Your return could not be accepted; please return the vehicle again");
            await SaveAsync(ReservationStatus.ReturnPending, ReservationStatus.Active, cause with { Reason = $"return refused by ops: {cause.Reason}" });
            await SettleAsync();
        }

        await GrainFactory.GetGrain<IOpsGrain>(0).ResolveAsync(alert, cause.Actor ?? "ops", approved ? "return approved" : "return refused");
        return View();
    }

    public async Task<ReservationView> AdjustFineAsync(Money amount, TransitionCause cause)
    {
        EnsureExists();
        var fines = S.Fines.Aggregate(Money.Zero(amount.Currency), (sum, fine) => sum.Plus(fine.Amount));
        if (amount.Amount == 0 || fines.Amount + amount.Amount < 0)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"The adjustment must not be zero, and fines cannot total below zero (they are {fines.Amount} {fines.Currency}).");
        }

        var adjustment = new Fine($"adjusted by ops: {cause.Reason}", amount);
        var reason = $"fine adjusted by {amount.Amount} {amount.Currency}: {cause.Reason}";
        switch (S.Status)
        {
            case ReservationStatus.ReturnPending:
                S.Fines.Add(adjustment);
                if (S.CapturePending is not null)
                {
                    S.CapturePending = FinalAmount();
                }

                await SaveAsync(S.Status, S.Status, cause with { Reason = reason });
                await SettleAsync();
                return View();
            case ReservationStatus.Completed when amount.Amount < 0:
                var refund = new Money(-amount.Amount, amount.Currency);
                var refundable = S.CapturedAmount!.Amount - (S.RefundedAmount?.Amount ?? 0);
                if (refund.Amount > refundable)
                {
                    throw new DomainException(ErrorCodes.ValidationFailed, $"Only {refundable} {refund.Currency} of what was captured is left to refund.");
                }

                var step = $"fine-adjustment-{S.Fines.Count}";
                try
                {
                    await Payments.RefundAsync(S.PaymentIntentId!, refund, $"{Id}/{step}");
                }
                catch (IntegrationException failure)
                {
                    throw Unavailable(failure, "refund");
                }

                S.Fines.Add(adjustment);
                S.RefundedAmount = S.RefundedAmount is null ? refund : S.RefundedAmount.Plus(refund);
                RecordMoney(step, MoneyMovementType.Refunded, refund, refund.Amount, S.PaymentIntentId!);
                await SaveAsync(S.Status, S.Status, cause with { Reason = reason + "; refunded" });
                return View();
            case ReservationStatus.Completed:
                throw new DomainException(ErrorCodes.InvalidState, "The final amount is captured already: fines can only be reduced (and refunded) now.");
            default:
                throw new DomainException(ErrorCodes.InvalidState, $"Fines apply once the vehicle is returned; reservation {Id} is {S.Status}.");
        }
    }

    private void EnsureExists()
    {
        if (S.Request is null)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Rental {Id} was not found.");
        }
    }

    private void RecordMoney(string step, MoneyMovementType type, Money amount, long fines, string paymentIntentId) =>
        MoneyLedger.Record(S.MoneyMoves, new MoneyMoved($"{Id}/{step}", time.GetUtcNow(), RevenueKind.Rental, type, amount, fines, Id, paymentIntentId));

    public async Task OnPaymentEventAsync(PaymentEvent paymentEvent)
    {
        if (paymentEvent.Kind != PaymentEventKind.Failed || S.Status != ReservationStatus.Completed
            || paymentEvent.PaymentIntentId != S.PaymentIntentId)
        {
            // Confirmations of what the saga already recorded, or a decline it already answered.
            return;
        }

        // PAY-4: the captured amount did not settle. Charge it again, a few times, then hand it to support.
        var owed = S.CapturedAmount!;
        var finesOwed = S.MoneyMoves.LastOrDefault(moved => moved.PaymentIntentId == paymentEvent.PaymentIntentId && moved.Type == MoneyMovementType.Captured)?.FinesAmount ?? 0;
        RecordMoney($"settlement-failed/{paymentEvent.PaymentIntentId}", MoneyMovementType.SettlementFailed, owed, finesOwed, paymentEvent.PaymentIntentId);
        while (S.RechargeAttempts < Rules.FailedPaymentRetries)
        {
            S.RechargeAttempts++;
            var key = $"{Id}/recharge-{S.RechargeAttempts}";
            try
            {
                var retry = await Payments.AuthorizeAsync(new AuthorizePayment(key + "/authorize", owed, S.Request!.PaymentMethodId, S.Request.CustomerId,
                    $"Rental {Id} (payment retry {S.RechargeAttempts})", new Dictionary<string, string> { [PaymentMetadata.ReservationId] = Id, ["retry"] = key }));
                var recharged = await Payments.CaptureAsync(retry.PaymentIntentId, owed, key + "/capture");
                S.PaymentIntentId = retry.PaymentIntentId;
                RecordMoney($"recharge-{S.RechargeAttempts}", MoneyMovementType.Captured, recharged.AmountReceived, finesOwed, retry.PaymentIntentId);
                await SaveAsync(ReservationStatus.Completed, ReservationStatus.Completed,
                    TransitionCause.Automatic($"payment failed ({paymentEvent.FailureMessage}); charged again on retry {S.RechargeAttempts}"));
                return;
            }
            catch (IntegrationException failure)
            {
                LogRetryFailed(failure, Id, S.RechargeAttempts);
            }
        }

        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"payment-failed/{Id}", OpsItemKind.SupportTicket, "Rental payment failed",
            $"{owed.Amount} {owed.Currency} did not settle and {Rules.FailedPaymentRetries} new charges failed: {paymentEvent.FailureMessage}",
            FlowKinds.Rental, Id, time.GetUtcNow(), new Dictionary<string, string> { ["paymentIntentId"] = paymentEvent.PaymentIntentId, ["customerId"] = S.Request!.CustomerId }));
        Notify("payment-failed", "PAYMENT_FAILED", "We could not take the payment for your rental");
        await SaveAsync(ReservationStatus.Completed, ReservationStatus.PaymentFailed, TransitionCause.Automatic("payment failed after retries; support ticket opened"));
        await SettleAsync();
    }

    public async Task OnMaintenanceScheduledAsync(DateTimeOffset from, DateTimeOffset to)
    {
        if (S.MaintenanceConflict || S.Status is not (ReservationStatus.Pending or ReservationStatus.Confirmed))
        {
            return;
        }

        S.MaintenanceConflict = true;
        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"maintenance-conflict/{Id}", OpsItemKind.Alert,
            "Maintenance overlaps a reservation", $"{S.Vin} is in maintenance from {from:u} to {to:u}", FlowKinds.Rental, Id, time.GetUtcNow(),
            new Dictionary<string, string> { ["vin"] = S.Vin, ["customerId"] = S.Request!.CustomerId }));
        Notify("maintenance-conflict", "RESERVATION_AFFECTED_BY_MAINTENANCE", "Your reserved vehicle needs maintenance");
        await SaveAsync(S.Status, S.Status, TransitionCause.Automatic("maintenance scheduled over the reservation; flagged to ops"));
        await SettleAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (S.Request is null)
        {
            await UnguardAsync();
            return;
        }

        if (S.Status == ReservationStatus.Pending && time.GetUtcNow() - S.CreatedAt >= Rules.AbandonCreationAfter)
        {
            LogAbandoned(Id);
            await Vehicle.ReleaseAsync(Id);
            S.HoldRequested = false;
            S.VoidPending = true;
            S.ErrorCode = ErrorCodes.DependencyUnavailable;
            S.ErrorMessage = "The reservation could not be completed; nothing was booked or charged.";
            await SaveAsync(ReservationStatus.Pending, ReservationStatus.Cancelled, TransitionCause.Automatic("creation interrupted; abandoned and undone"));
        }

        await SettleAsync();
    }

    /// <summary>Carries out what is owed (a void, a capture, notifications); the guard stays until nothing is.</summary>
    private async Task SettleAsync()
    {
        var changed = false;
        if (S.VoidPending)
        {
            try
            {
                await Payments.VoidAllAsync(PaymentMetadata.ReservationId, Id);
                S.VoidPending = false;
                changed = true;
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "void");
            }
        }

        if (S.CapturePending is { } amount && S.Status == ReservationStatus.ReturnPending)
        {
            try
            {
                var captured = await Payments.CaptureAsync(S.PaymentIntentId!, amount, $"{Id}/capture");
                S.CapturedAmount = captured.AmountReceived;
                S.CapturePending = null;
                RecordMoney("capture", MoneyMovementType.Captured, captured.AmountReceived,
                    Math.Max(0, captured.AmountReceived.Amount - S.Price!.Amount), S.PaymentIntentId!);
                await Vehicle.ReleaseAsync(Id);
                S.HoldRequested = false;
                Notify("completed", "RENTAL_COMPLETED", "Thank you for riding with us");
                await SaveAsync(ReservationStatus.ReturnPending, ReservationStatus.Completed, TransitionCause.Automatic("final amount captured"));
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "capture");
            }
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }

        if (S.Outbox.Count > 0 && await NotificationOutbox.DeliverAsync(S.Outbox, GrainFactory, logger))
        {
            await state.WriteStateAsync();
        }

        if (S.Status != ReservationStatus.Pending && !S.VoidPending && S.CapturePending is null && S.Outbox.Count == 0)
        {
            await UnguardAsync();
        }
        else
        {
            await GuardAsync(Rules.GuardPeriod);
        }
    }

    private async Task<ReservationView> RejectAsync(ReservationStatus status, string code, string message)
    {
        S.ErrorCode = code;
        S.ErrorMessage = message;
        await SaveAsync(ReservationStatus.Pending, status, TransitionCause.Automatic(message));
        await SettleAsync();
        throw new DomainException(code, message);
    }

    private ReservationView Replay() =>
        S.ErrorCode is { } code && S.Status is ReservationStatus.Rejected or ReservationStatus.PaymentFailed
            ? throw new DomainException(code, S.ErrorMessage ?? code)
            : View();

    private void EnsureOwner(string customerId)
    {
        if (S.Request?.CustomerId != customerId || S.Status is ReservationStatus.Rejected)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Reservation {Id} was not found.");
        }
    }

    private void Notify(string what, string template, string subject)
    {
        NotificationOutbox.Record(S.Outbox, $"{Id}/{what}", S.Request!.CustomerId, template, subject,
            new Dictionary<string, string> { ["reservationId"] = Id, ["vehicleId"] = S.Request.VehicleId, ["startsAt"] = S.Request.StartsAt.ToString("O") },
            time.GetUtcNow());
    }

    private async Task SaveAsync(ReservationStatus? from, ReservationStatus to, TransitionCause cause)
    {
        var now = time.GetUtcNow();
        TransitionHistory.Append(S.History, TransitionHistory.Record(now, from?.ToString() ?? "None", to.ToString(), cause));
        S.Status = to;
        S.UpdatedAt = now;
        await state.WriteStateAsync();
        // ANA-2 and the ops read models: every change goes out once it is stored.
        await Task.WhenAll(
            this.PublishAsync(BookingStreams.Namespace, BookingStreams.DayKey(S.CreatedAt), ToExport(), logger),
            this.PublishFlowAsync(Moved(), logger),
            this.PublishMoneyAsync(S.MoneyMoves, logger));
    }

    public Task<FlowMoved?> DescribeFlowAsync() => Task.FromResult(S.Request is null ? null : Moved());

    private FlowMoved Moved() => new(FlowKinds.Rental, Id, S.Status.ToString(),
        S.Status is ReservationStatus.Completed or ReservationStatus.Cancelled or ReservationStatus.PaymentFailed or ReservationStatus.Rejected,
        S.UpdatedAt ?? S.CreatedAt, S.Status is ReservationStatus.Confirmed or ReservationStatus.Active ? S.Request!.EndsAt : null,
        S.Request!.CustomerId, S.Vin, S.Request.VehicleId, S.Request.StartsAt, S.Request.EndsAt);

    private AnalyticsExport ToExport() => new(Id, Pseudonym(S.Request!.CustomerId), S.Request.VehicleId, S.Category, S.CreatedAt, S.Request.StartsAt,
        S.Request.EndsAt, S.Status.ToString(), S.Price?.Amount ?? 0, S.CapturedAmount?.Amount ?? 0, S.Price?.Currency ?? Rules.Currency, S.UpdatedAt ?? S.CreatedAt);

    private static string Pseudonym(string customerId) =>
        "c_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("caas-analytics:" + customerId)))[..16];

    private ReservationView View() => new(Id, S.Request!.CustomerId, S.Request.VehicleId, S.Vin, S.Request.StartsAt, S.Request.EndsAt, S.Status,
        S.AuthorizedAmount, S.CapturedAmount, [.. S.Fines], [.. S.History], S.ErrorCode, S.ErrorMessage, [.. S.VerificationIssues], S.RefundedAmount, S.CreatedAt);

    private Task GuardAsync(TimeSpan due) =>
        this.RegisterOrUpdateReminder(Guard, due, Rules.GuardPeriod > due ? Rules.GuardPeriod : due);

    private Task UnguardAsync() => this.StopReminderAsync(Guard);

    private DomainException Unavailable(IntegrationException failure, string action)
    {
        LogActionFailed(failure, Id, action);
        return new DomainException(ErrorCodes.DependencyUnavailable, $"Could not {action} right now; nothing was changed. Please try again.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reservation {ReservationId}: card declined ({DeclineCode}); timeslot released")]
    private partial void LogDeclined(string reservationId, string? declineCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: authorisation outcome unknown; any authorisation will be voided")]
    private partial void LogAuthorizationUncertain(Exception exception, string reservationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: creation never finished; abandoning it (hold released, authorisation voided)")]
    private partial void LogAbandoned(string reservationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: {Action} deferred to the next reminder")]
    private partial void LogSettlementDeferred(Exception exception, string reservationId, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: payment retry {Attempt} failed")]
    private partial void LogRetryFailed(Exception exception, string reservationId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: {Action} failed at a dependency")]
    private partial void LogActionFailed(Exception exception, string reservationId, string action);
}
