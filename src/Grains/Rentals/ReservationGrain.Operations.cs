using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Rentals;

/// <summary>What operators and the fleet change on a rental: return verdicts (ADM-2), fines (ADM-3), maintenance conflicts (FLT-2).</summary>
public sealed partial class ReservationGrain
{
    public async Task<ReservationView> OverrideReturnVerificationAsync(bool approved, TransitionCause cause)
    {
        EnsureExists();
        if (!ReservationFlow.AwaitsVerification(S))
        {
            throw new DomainException(ErrorCodes.InvalidState, $"Reservation {Id} is {S.Status} and has no return waiting for verification.");
        }

        if (approved)
        {
            S.ReturnAccepted = true;
            // IOT-9: the capture still waits for the LOCK sent at return, if that wait is not over.
            if (S.ReturnLock is null or { Settled: true })
            {
                DecideFinalAmount();
            }

            await KeepGuardAsync();
            await RecordAsync(FlowEntryKind.ReturnApproved, cause with { Reason = $"return approved by ops: {cause.Reason}" });
        }
        else
        {
            ForgetReturn();
            Notify($"return-refused-{S.History.Count}", "RETURN_REFUSED", "Your return could not be accepted; please return the vehicle again");
            await MoveAsync(ReservationStatus.Active, cause with { Reason = $"return refused by ops: {cause.Reason}" });
        }

        await SettleAsync();
        await GrainFactory.GetGrain<IOpsGrain>(0).ResolveAsync($"return-verification/{Id}", cause.Actor ?? "ops", approved ? "return approved" : "return refused");
        return View();
    }

    public async Task<ReservationView> AdjustFineAsync(Money amount, TransitionCause cause)
    {
        EnsureExists();
        RentalRules.EnsureFineAdjustment(S.Fines, amount, S.Price!.Currency);
        var adjustment = new Fine($"adjusted by ops: {cause.Reason}", amount);
        var reason = $"fine adjusted by {amount.Amount} {amount.Currency}: {cause.Reason}";
        switch (S.Status)
        {
            case ReservationStatus.ReturnPending:
                S.Fines.Add(adjustment);
                if (Journal.Owed(ObligationKind.Capture) is { } capture)
                {
                    // A new amount is a new attempt: whatever backoff a refused one left is over.
                    Journal.Owe(capture with { Amount = RentalRules.Owed(S.Price, S.Fines), DueAt = null });
                }

                await RecordAsync(FlowEntryKind.FineAdjusted, cause with { Reason = reason });
                await SettleAsync();
                return View();
            case ReservationStatus.Completed when amount.Amount > 0:
                // PAY-11: found after completion (tolls, tickets, damage): charged off-session on the saved card.
                S.Fines.Add(adjustment);
                Journal.Owe(new Obligation(ObligationKind.Charge, $"fine-{S.Fines.Count}", Amount: amount));
                await RecordAsync(FlowEntryKind.FineAdjusted, cause with { Reason = reason + "; charged on the saved card" });
                await SettleAsync();
                return View();
            case ReservationStatus.Completed:
                await RefundFinesAsync(new Money(-amount.Amount, amount.Currency), $"fine-adjustment-{S.Fines.Count}");
                S.Fines.Add(adjustment);
                await RecordAsync(FlowEntryKind.Refunded, cause with { Reason = reason + "; refunded" });
                return View();
            default:
                throw new DomainException(ErrorCodes.InvalidState, $"Fines apply once the vehicle is returned; reservation {Id} is {S.Status}.");
        }
    }

    /// <summary>
    /// FLT-2: maintenance over a booking that has not started, or over a rental under way, is an
    /// alert for ops and news for the customer; flagged once, whatever the fleet sends again.
    /// </summary>
    public async Task OnMaintenanceScheduledAsync(DateTimeOffset from, DateTimeOffset to)
    {
        if (ReservationFlow.MaintenanceFlagged(S) || S.Status is not (ReservationStatus.Pending or ReservationStatus.Confirmed or ReservationStatus.Active))
        {
            return;
        }

        var underWay = S.Status == ReservationStatus.Active;
        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"maintenance-conflict/{Id}", OpsItemKind.Alert,
            underWay ? "Maintenance overlaps a rental under way" : "Maintenance overlaps a reservation",
            $"{S.Vin} is in maintenance from {from:u} to {to:u}" + (underWay ? "; the renter has the vehicle now" : ""), FlowKinds.Rental, Id, time.GetUtcNow(),
            new Dictionary<string, string> { ["vin"] = S.Vin, ["customerId"] = S.Request!.CustomerId }));
        if (underWay)
        {
            Notify("maintenance-conflict", "RENTAL_AFFECTED_BY_MAINTENANCE", "The vehicle you are driving needs maintenance");
        }
        else
        {
            Notify("maintenance-conflict", "RESERVATION_AFFECTED_BY_MAINTENANCE", "Your reserved vehicle needs maintenance");
        }

        await RecordAsync(FlowEntryKind.MaintenanceFlagged, TransitionCause.Automatic(
            underWay ? "maintenance scheduled during the rental; flagged to ops" : "maintenance scheduled over the reservation; flagged to ops"));
        await SettleAsync();
    }
}
