using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Rentals;

/// <summary>The renter's journey after booking: cancel, unlock, return.</summary>
public sealed partial class ReservationGrain
{
    public async Task<ReservationView> CancelAsync(string customerId)
    {
        EnsureOwner(customerId);
        if (S.Status == ReservationStatus.Cancelled)
        {
            return View();
        }

        // Only a confirmed booking is the customer's to cancel: Pending → Cancelled is the guard's, for
        // a creation that never finished; the move itself is checked against the table by MoveAsync.
        if (S.Status == ReservationStatus.AwaitingAuthentication)
        {
            // PAY-10: nothing is held while the customer has not authenticated; whatever Stripe began is voided.
            return await CancelUnheldAsync(customerId);
        }

        if (S.Status != ReservationStatus.Confirmed)
        {
            throw new DomainException(ErrorCodes.InvalidState, $"A reservation that is {S.Status} cannot be cancelled.");
        }

        var fee = RentalRules.CancellationFee(Rentals, S.Price!, S.Request!.StartsAt, time.GetUtcNow());
        if (S.HoldCaptureBefore is null)
        {
            // PAY-10: a booking far ahead holds nothing yet (only the card is saved), or Stripe let its hold lapse.
            await ChargeFeeOffSessionAsync(fee);
            return await CancelUnheldAsync(customerId);
        }

        try
        {
            if (fee.Amount == 0)
            {
                // Keyed by the intent: a booking whose first cancel went through at Stripe and was never
                // stored may hold another hold by its retry, which the same key would never cancel.
                await Payments.CancelAsync(S.PaymentIntentId!, $"{Id}/cancel/{S.PaymentIntentId}");
            }
            else
            {
                // Capturing part of the hold releases the rest of it (PAY-3).
                var captured = await Payments.CaptureAsync(S.PaymentIntentId!, fee, $"{Id}/cancellation-fee/{S.PaymentIntentId}");
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
        Notify("cancelled", "RESERVATION_CANCELLED", fee.Amount == 0 ? "Your reservation is cancelled at no cost" : "Your reservation is cancelled");
        await MoveAsync(ReservationStatus.Cancelled, new TransitionCause("cancelled by the customer", customerId));
        await SettleAsync();
        return View();
    }

    /// <summary>
    /// MOB-3, IOT-8, IOT-9: the UNLOCK goes to API IoT now or not at all. It is never queued, so while
    /// API IoT cannot take it (the breaker open, a command for the car still waiting ahead of it) the
    /// answer is DEPENDENCY_UNAVAILABLE with when to try again, and the rental does not start.
    /// </summary>
    public async Task<UnlockResult> UnlockAsync(string customerId)
    {
        EnsureOwner(customerId);
        var now = time.GetUtcNow();
        if (S.Status is not (ReservationStatus.Confirmed or ReservationStatus.Active))
        {
            throw new DomainException(ErrorCodes.InvalidState, $"A reservation that is {S.Status} cannot be unlocked.");
        }

        if (now < S.Request!.StartsAt - Rentals.UnlockEarly || now > S.Request.EndsAt)
        {
            throw new DomainException(ErrorCodes.InvalidState, "The vehicle can be unlocked only within the rental window.");
        }

        IotDispatch dispatch;
        try
        {
            dispatch = await Iot.SendCommandAsync(new IotCommandRequest(S.Vin, IotCommands.Unlock,
                new Dictionary<string, string> { ["reservationId"] = Id }, $"{Id}/unlock/{now.ToUnixTimeMilliseconds()}", null));
        }
        catch (IntegrationException failure)
        {
            throw UnlockRefused(failure);
        }

        if (dispatch is not { Status: IotDispatchStatus.Accepted, CommandId: not null })
        {
            // The adapter never queues an UNLOCK; an answer other than API IoT's acknowledgement is no unlock either.
            throw new DomainException(ErrorCodes.DependencyUnavailable, "The vehicle could not be unlocked right now; nothing was changed. Please try again.");
        }

        if (S.Status == ReservationStatus.Confirmed)
        {
            // MOB-7: the odometer at the start, so that a return cannot read less.
            S.OdometerAtUnlock = (await Vehicle.GetAsync())?.Telemetry?.OdometerKm;
            await MoveAsync(ReservationStatus.Active, new TransitionCause("unlocked by the renter", customerId));
        }

        return new UnlockResult(dispatch.CommandId, dispatch.Status.ToString());
    }

    private DomainException UnlockRefused(IntegrationException failure)
    {
        LogActionFailed(failure, Id, "unlock");
        return new DomainException(ErrorCodes.DependencyUnavailable, "The vehicle could not be unlocked right now; nothing was changed. Please try again.",
            failure is DependencyUnavailableException { RetryAfter: { } wait } ? wait : null);
    }

    /// <summary>
    /// MOB-4, MOB-7: the return is judged by the vehicle's own telemetry, the customer's values and
    /// photos supplementing it; a LOCK is sent (IOT-9), and the rental completes once the car confirms
    /// it (or the wait is over) and the return is accepted. Lateness counts to this moment, the
    /// customer's submission, however long the lock takes.
    /// </summary>
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
        var witness = await WitnessAsync(now);
        var verdict = RentalRules.Judge(Rentals, proof, witness, now, S.OdometerAtUnlock);
        S.ReturnProof = proof;
        S.ReturnedAt = now;
        S.ReturnWitness = witness;
        S.JudgedEnergyPercent = verdict.EnergyPercent;
        S.VerificationIssues = [.. verdict.Issues];
        S.ReturnAccepted = verdict.Issues.Count == 0;
        S.ReturnLock = new ReturnLock(now, now + Rentals.LockWait);
        Journal.Owe(ObligationKind.ConfirmLock);
        var judged = verdict.Witnessed ? "returned; judged by the vehicle's telemetry" : "returned; the vehicle gave no recent report";
        var reason = verdict.Notes.Count == 0 ? judged : $"{judged} ({string.Join("; ", verdict.Notes)}: the vehicle's readings count)";
        if (!S.ReturnAccepted)
        {
            await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"return-verification/{Id}", OpsItemKind.Alert,
                "Return needs verification", string.Join("; ", S.VerificationIssues), FlowKinds.Rental, Id, now, new Dictionary<string, string> { ["vin"] = S.Vin }));
        }

        await KeepGuardAsync();
        await MoveAsync(ReservationStatus.ReturnPending, new TransitionCause(
            S.ReturnAccepted ? $"{reason}; verified" : $"{reason}; waiting for ops verification", customerId));
        await FollowLockAsync();
        await SettleAsync();
        return View();
    }

    /// <summary>
    /// MOB-7: the vehicle's latest report, asked of API IoT at once when the one its grain holds is
    /// stale. Not reaching API IoT leaves the report held, however old: the verdict decides what an old
    /// one is worth.
    /// </summary>
    private async Task<ReturnWitness?> WitnessAsync(DateTimeOffset now)
    {
        var held = await Vehicle.GetAsync();
        var witness = held is { Telemetry: { } telemetry, LastContact: { } contact } ? new ReturnWitness(telemetry, contact, AskedAtReturn: false) : null;
        if (!RentalRules.IsStale(Rentals, witness?.LastContact, now))
        {
            return witness;
        }

        try
        {
            var status = await Iot.GetStatusAsync(S.Vin);
            // The vehicle's own view moves on too, as a poll would have moved it.
            await Vehicle.RecordTelemetryAsync(status);
            return witness is not null && status.LastContact <= witness.LastContact ? witness : new ReturnWitness(status.Telemetry, status.LastContact, AskedAtReturn: true);
        }
        catch (IntegrationException failure)
        {
            LogWitnessUnavailable(failure, Id, S.Vin);
            return witness;
        }
    }

    /// <summary>The return is accepted: fines are added and the amount to capture is owed; the caller stores it and settles.</summary>
    private void DecideFinalAmount()
    {
        // A return stored before MOB-7 has no judged energy: the claim was all it had.
        var energy = S.JudgedEnergyPercent ?? S.ReturnProof!.EnergyPercent;
        S.Fines = [.. S.Fines, .. RentalRules.Fines(Rentals, energy, S.Request!.EndsAt, S.ReturnedAt!.Value)];
        Journal.Owe(new Obligation(ObligationKind.Capture, Amount: RentalRules.Owed(S.Price!, S.Fines)));
    }
}
