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
        Notify("cancelled", "RESERVATION_CANCELLED", fee.Amount == 0 ? "Your reservation is cancelled at no cost" : "Your reservation is cancelled");
        await MoveAsync(ReservationStatus.Cancelled, new TransitionCause("cancelled by the customer", customerId));
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

        if (now < S.Request!.StartsAt - Rentals.UnlockEarly || now > S.Request.EndsAt)
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
            await MoveAsync(ReservationStatus.Active, new TransitionCause("unlocked by the renter", customerId));
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
        S.VerificationIssues = [.. RentalRules.Verify(Rentals, proof)];
        if (S.VerificationIssues.Count > 0)
        {
            await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"return-verification/{Id}", OpsItemKind.Alert,
                "Return needs verification", string.Join("; ", S.VerificationIssues), FlowKinds.Rental, Id, now, new Dictionary<string, string> { ["vin"] = S.Vin }));
            await MoveAsync(ReservationStatus.ReturnPending, new TransitionCause("returned; waiting for ops verification", customerId));
            return View();
        }

        DecideFinalAmount();
        await KeepGuardAsync();
        await MoveAsync(ReservationStatus.ReturnPending, new TransitionCause("returned and verified", customerId));
        await SettleAsync();
        return View();
    }

    /// <summary>The return is accepted: fines are added and the amount to capture is owed; the caller stores it and settles.</summary>
    private void DecideFinalAmount()
    {
        S.Fines = [.. S.Fines, .. RentalRules.Fines(Rentals, S.ReturnProof!, S.Request!.EndsAt, S.ReturnedAt!.Value)];
        Journal.Owe(new Obligation(ObligationKind.Capture, Amount: RentalRules.FinalAmount(S.Price!, S.Fines, S.AuthorizedAmount!)));
    }
}
