using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Rentals;

/// <summary>The reservation's state machine: where a reservation may go from where it is, and what its stored state owes.</summary>
public static class ReservationFlow
{
    public static readonly FlowTable<ReservationStatus> Table = new(FlowKinds.Rental, [ReservationStatus.Pending],
        new Dictionary<ReservationStatus, ReservationStatus[]>
        {
            // Pending → Cancelled is a creation a crash left half done, abandoned by the guard.
            [ReservationStatus.Pending] = [ReservationStatus.Confirmed, ReservationStatus.Rejected, ReservationStatus.PaymentFailed, ReservationStatus.Cancelled,
                ReservationStatus.AwaitingAuthentication],
            // PAY-10: the off-session authorisation before the start may need the customer, or be declined for good.
            [ReservationStatus.Confirmed] = [ReservationStatus.Active, ReservationStatus.Cancelled, ReservationStatus.AwaitingAuthentication, ReservationStatus.PaymentFailed],
            // Authenticated, or given up (cancelled without fee), or cancelled by the customer meanwhile.
            [ReservationStatus.AwaitingAuthentication] = [ReservationStatus.Confirmed, ReservationStatus.Cancelled],
            [ReservationStatus.Active] = [ReservationStatus.ReturnPending],
            // ReturnPending → Active: ops refused the return and the renter must return the vehicle again.
            [ReservationStatus.ReturnPending] = [ReservationStatus.Completed, ReservationStatus.Active],
            // PAY-4: the captured money did not settle and every new charge failed.
            [ReservationStatus.Completed] = [ReservationStatus.PaymentFailed],
        });

    /// <summary>Where a rental has nothing more to do on its own (the flow index's "finished").</summary>
    public static bool IsFinished(ReservationStatus status) =>
        status is ReservationStatus.Completed or ReservationStatus.Cancelled or ReservationStatus.PaymentFailed or ReservationStatus.Rejected;

    /// <summary>A rental that holds the vehicle's timeslot and is expected to stay quiet until its end.</summary>
    public static bool HoldsTheVehicle(ReservationStatus status) =>
        status is ReservationStatus.Confirmed or ReservationStatus.Active or ReservationStatus.AwaitingAuthentication;

    /// <summary>A return that failed verification and waits for an operator's verdict (ADM-2).</summary>
    public static bool AwaitsVerification(ReservationState state) =>
        state.Status == ReservationStatus.ReturnPending && !state.ReturnAccepted && !state.Journal.Owes(ObligationKind.Capture)
        && state.VerificationIssues.Count > 0;

    /// <summary>Whether ops were already told that maintenance overlaps this reservation (FLT-2).</summary>
    public static bool MaintenanceFlagged(ReservationState state) =>
        state.LegacyMaintenanceConflict || state.History.Exists(entry => entry.Kind == Abstractions.FlowEntryKind.MaintenanceFlagged);

    /// <summary>
    /// Turns what a state stored before the flow journal kept in flags into obligations, once. A new
    /// state has nothing to turn and is marked upgraded all the same.
    /// </summary>
    public static void Upgrade(ReservationState state, RentalOptions rules)
    {
        var journal = state.Journal;
        if (journal.Upgraded)
        {
            return;
        }

        if (state.Request is not null && state.Status == ReservationStatus.Pending && !journal.Owes(ObligationKind.FinishOrAbandon))
        {
            journal.Owe(ObligationKind.FinishOrAbandon, state.CreatedAt + rules.AbandonCreationAfter);
        }

        if (state.LegacyVoidPending)
        {
            journal.Owe(ObligationKind.Void);
        }

        if (state.LegacyCapturePending is { } amount)
        {
            journal.Owe(new Obligation(ObligationKind.Capture, Amount: amount));
        }

        foreach (var message in state.LegacyOutbox ?? [])
        {
            journal.Owe(new Obligation(ObligationKind.Notify, message.Id, Notification: message));
        }

        state.LegacyVoidPending = false;
        state.LegacyCapturePending = null;
        state.LegacyOutbox = null;
        journal.Upgraded = true;
    }
}
