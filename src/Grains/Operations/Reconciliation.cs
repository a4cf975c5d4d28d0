using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;

namespace CaaS.Grains.Operations;

/// <summary>One PaymentIntent as the reconciler weighs it: what it holds and what it kept after refunds.</summary>
public sealed record IntentFigures(PaymentRecord Record, long Refunded)
{
    public long Net => Record.AmountReceived.Amount - Refunded;

    public bool IsHold => Record.Status == PaymentStatus.RequiresCapture;

    public bool HoldsMoney => IsHold || Net > 0;
}

/// <summary>
/// The reconciler's rules, one flow at a time, apart from any I/O so each rule is tested on its own.
/// What a flow may hold at Stripe follows from its state: a hold while it can still be captured,
/// and as net money exactly what the flow recorded as captured minus refunded once it has ended.
/// </summary>
public static class Reconciliation
{
    public static IEnumerable<Mismatch> CheckRental(string id, ReservationView? rental, IReadOnlyList<IntentFigures> intents)
    {
        if (rental is null)
        {
            return Unknown(FlowKinds.Rental, id, intents);
        }

        var mayHold = rental.Status is ReservationStatus.Pending or ReservationStatus.Confirmed or ReservationStatus.Active or ReservationStatus.ReturnPending;
        // PAY-10: a booking far ahead holds nothing until its off-session authorisation is due, and
        // one waiting for the customer to authenticate holds nothing yet either.
        var needsHold = rental.Status is ReservationStatus.Active or ReservationStatus.ReturnPending
            || (rental.Status == ReservationStatus.Confirmed && rental.AuthorizationDueAt is null);
        var expected = rental.Status is ReservationStatus.Completed or ReservationStatus.Cancelled
            ? (rental.CapturedAmount?.Amount ?? 0) - (rental.RefundedAmount?.Amount ?? 0)
            : 0;
        // PAY-11: fines beyond the hold and after completion are PaymentIntents of their own, each recorded by the rental.
        var found = Check(FlowKinds.Rental, id, rental.Status.ToString(), intents, mayHold, needsHold, expected, rental.ChargedIntents ?? []);
        return rental.Status switch
        {
            ReservationStatus.Confirmed or ReservationStatus.Active => found.Concat(Lapsing(id, rental, intents)),
            ReservationStatus.Completed => found.Concat(Owing(id, rental, intents)),
            _ => found,
        };
    }

    /// <summary>PAY-11: what a completed rental owes is charged or in ops' hands, and refunds give back only fines.</summary>
    private static IEnumerable<Mismatch> Owing(string id, ReservationView rental, IReadOnlyList<IntentFigures> intents)
    {
        var net = (rental.CapturedAmount?.Amount ?? 0) - (rental.RefundedAmount?.Amount ?? 0);
        var uncharged = (rental.Owed?.Amount ?? net) - net - (rental.Debt?.Amount ?? 0);
        if (uncharged > 0)
        {
            yield return new Mismatch(MismatchKinds.UnchargedDebt, FlowKinds.Rental, id, null,
                $"the rental owes {rental.Owed!.Amount}, {net} was charged net and {rental.Debt?.Amount ?? 0} handed to ops as debt: {uncharged} is collected by nobody.");
        }

        // What the rental itself refunded: a refund made elsewhere shows as LEDGER_DIFFERS already.
        if (rental.FinesCaptured is { } finesCaptured && (rental.RefundedAmount?.Amount ?? 0) > finesCaptured.Amount)
        {
            yield return new Mismatch(MismatchKinds.FineRefundedBeyondCaptured, FlowKinds.Rental, id, Ids(intents.Where(intent => intent.Refunded > 0)),
                $"the rental refunded {rental.RefundedAmount!.Amount}, more than the {finesCaptured.Amount} of fines it captured.");
        }
    }

    /// <summary>A hold Stripe will cancel before the rental ends, unless the rental replaces it first.</summary>
    private static IEnumerable<Mismatch> Lapsing(string id, ReservationView rental, IReadOnlyList<IntentFigures> intents) =>
        intents.Where(intent => intent.IsHold && intent.Record.CaptureBefore is { } before && before < rental.EndsAt
                && !(rental.RenewalDueAt is { } renewal && renewal < before))
            .Select(intent => new Mismatch(MismatchKinds.HoldExpiresBeforeEnd, FlowKinds.Rental, id, intent.Record.PaymentIntentId,
                $"the hold may be captured until {intent.Record.CaptureBefore:O}, the rental ends {rental.EndsAt:O}, and no renewal is planned before then."));

    public static IEnumerable<Mismatch> CheckPurchase(string id, ServicePurchaseView? purchase, IReadOnlyList<IntentFigures> intents)
    {
        if (purchase is null)
        {
            return Unknown(FlowKinds.ServicePurchase, id, intents);
        }

        var mayHold = purchase.Status is ServicePurchaseStatus.Validating or ServicePurchaseStatus.Activating or ServicePurchaseStatus.Active;

        // PAY-6: a service is charged once the vehicle confirmed it, unless its settlement failed since.
        var expected = purchase.Status == ServicePurchaseStatus.Active && purchase.Settlement != "failed" ? purchase.Price?.Amount ?? 0 : 0;
        return Check(FlowKinds.ServicePurchase, id, purchase.Status.ToString(), intents, mayHold,
            needsHold: purchase.Status == ServicePurchaseStatus.Activating, expected, recorded: []);
    }

    /// <summary>MOB-6: a reservation's timeslot belongs to a reservation that can still use it or has used it.</summary>
    public static Mismatch? CheckTimeslot(string vin, Timeslot slot, ReservationView? owner) =>
        owner is null or { Status: ReservationStatus.Cancelled or ReservationStatus.Rejected }
            ? new Mismatch(MismatchKinds.TimeslotOfDeadReservation, FlowKinds.Rental, slot.Owner, null,
                $"{vin} holds {slot.From:O}..{slot.To:O} for a reservation that is {owner?.Status.ToString() ?? "unknown to the platform"}.")
            : null;

    /// <param name="recorded">PaymentIntents the flow itself recorded money on: several of them taking money is no double charge.</param>
    private static IEnumerable<Mismatch> Check(string kind, string id, string state, IReadOnlyList<IntentFigures> intents, bool mayHold, bool needsHold, long expected,
        IReadOnlyCollection<string> recorded)
    {
        var holds = intents.Where(intent => intent.IsHold).ToList();
        var charged = intents.Where(intent => intent.Net > 0).ToList();
        var doubled = charged.Count > 1 && charged.Any(intent => !recorded.Contains(intent.Record.PaymentIntentId));
        if (holds.Count > 1)
        {
            yield return new Mismatch(MismatchKinds.DoubleCharge, kind, id, Ids(holds), $"{holds.Count} holds at once while {state}.");
        }

        if (doubled)
        {
            yield return new Mismatch(MismatchKinds.DoubleCharge, kind, id, Ids(charged),
                $"{charged.Count} PaymentIntents took {charged.Sum(intent => intent.Net)} net while {state}; the flow recorded {expected}.");
        }

        if (!mayHold)
        {
            foreach (var hold in holds)
            {
                yield return new Mismatch(MismatchKinds.HoldOnEndedFlow, kind, id, hold.Record.PaymentIntentId,
                    $"a hold of {hold.Record.AmountCapturable.Amount} is left while {state}.");
            }
        }

        if (needsHold && holds.Count == 0)
        {
            yield return new Mismatch(MismatchKinds.HoldMissing, kind, id, null, $"{state} but Stripe holds nothing for it.");
        }

        var taken = charged.Sum(intent => intent.Net);
        if (!doubled && taken != expected)
        {
            yield return new Mismatch(expected == 0 && taken > 0 ? MismatchKinds.ChargeWithoutDelivery : MismatchKinds.LedgerDiffers,
                kind, id, charged.Count >= 1 ? Ids(charged) : null, $"Stripe kept {taken} net; the flow, {state}, recorded {expected}.");
        }
    }

    private static IEnumerable<Mismatch> Unknown(string kind, string id, IReadOnlyList<IntentFigures> intents) =>
        intents.Where(intent => intent.HoldsMoney).Select(intent => new Mismatch(MismatchKinds.UnknownFlow, kind, id, intent.Record.PaymentIntentId,
            $"{intent.Record.Status} with {intent.Net} received net for a {kind} the platform has no record of."));

    private static string Ids(IEnumerable<IntentFigures> intents) => string.Join(",", intents.Select(intent => intent.Record.PaymentIntentId));
}
