using System.Globalization;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Telemetry;

namespace CaaS.Grains.Rentals;

/// <summary>Prices, fines, cancellation fees and return verification: plain functions of the rules and the clock.</summary>
public static class RentalRules
{
    public static Money Price(RentalOptions rules, string category, DateTimeOffset startsAt, DateTimeOffset endsAt)
    {
        var hours = (long)Math.Ceiling((endsAt - startsAt).TotalHours);
        var rate = rules.Rate(category);
        return rate with { Amount = rate.Amount * hours };
    }

    public static void EnsureBookable(RentalOptions rules, CreateReservation request, DateTimeOffset now)
    {
        var length = request.EndsAt - request.StartsAt;
        if (length < rules.MinimumDuration || length > rules.MaximumDuration)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"A rental lasts from {rules.MinimumDuration} to {rules.MaximumDuration.TotalDays:0} days.");
        }

        if (request.StartsAt > now + rules.BookingHorizon)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"A reservation starts within {rules.BookingHorizon.TotalDays:0} days.");
        }
    }

    public static Money ToAuthorize(RentalOptions rules, Money price) => price with { Amount = price.Amount + rules.FineReserve };

    /// <summary>Nothing before the free-cancellation deadline; the late fee after it.</summary>
    public static Money CancellationFee(RentalOptions rules, Money price, DateTimeOffset startsAt, DateTimeOffset now) =>
        now <= startsAt - rules.FreeCancellationBefore
            ? price with { Amount = 0 }
            : price with { Amount = price.Amount * rules.LateCancellationFeePercent / 100 };

    /// <summary>The customer's claim alone, checked as before MOB-7: what is left when the vehicle cannot witness.</summary>
    public static IReadOnlyList<string> Verify(RentalOptions rules, ReturnProof proof)
    {
        var issues = new List<string>();
        if (proof.OdometerKm is not { } odometer || odometer < 0 || odometer > rules.MaximumOdometerKm)
        {
            issues.Add("odometer reading missing or implausible");
        }

        if (proof.EnergyPercent is not (>= 0 and <= 100))
        {
            issues.Add("fuel or charge level missing or implausible");
        }

        if (proof.Latitude is not { } latitude || proof.Longitude is not { } longitude
            || !rules.ReturnZones.Any(zone => zone.Contains(latitude, longitude)))
        {
            issues.Add("vehicle left outside every return zone");
        }

        return issues;
    }

    /// <summary>
    /// MOB-7: whether the report the vehicle grain holds is too old to judge a return by, so that API IoT
    /// must be asked at once. No report at all is stale too.
    /// </summary>
    public static bool IsStale(RentalOptions rules, DateTimeOffset? lastContact, DateTimeOffset returnedAt) =>
        lastContact is not { } contact || returnedAt - contact > rules.ReturnTelemetryStaleAfter;

    /// <summary>
    /// MOB-7: a return judged by the vehicle's own telemetry. With a report whose last contact lies
    /// within <see cref="RentalOptions.ReturnContactWithin"/> of the return, the car is the witness:
    /// its position must lie in a return zone, its odometer be plausible and not below the one at
    /// unlock, its energy plausible, and the energy it reports is what fines are counted from; the
    /// customer's values only supplement it, and where they contradict it that is noted and the car's
    /// count. Without such a report nothing witnesses the return but the customer: the claim is checked
    /// as before and the return waits for ops whatever it says.
    /// </summary>
    /// <param name="odometerAtUnlock">what the vehicle reported when it was unlocked, if anything.</param>
    public static ReturnVerdict Judge(RentalOptions rules, ReturnProof claim, ReturnWitness? witness, DateTimeOffset returnedAt, double? odometerAtUnlock)
    {
        if (witness is null || returnedAt - witness.LastContact > rules.ReturnContactWithin)
        {
            var silent = witness is null
                ? "no report from the vehicle to verify the return by"
                : $"no recent report from the vehicle to verify the return by (last contact {witness.LastContact:u})";
            return new ReturnVerdict([silent, .. Verify(rules, claim)], [], claim.EnergyPercent, Witnessed: false);
        }

        var car = witness.Telemetry;
        var issues = new List<string>();
        if (car.OdometerKm < 0 || car.OdometerKm > rules.MaximumOdometerKm)
        {
            issues.Add("odometer reading missing or implausible");
        }
        else if (odometerAtUnlock is { } start && car.OdometerKm < start)
        {
            issues.Add(Invariant($"the vehicle's odometer reads {car.OdometerKm:0.#} km, less than the {start:0.#} km at unlock"));
        }

        if (car.EnergyPercent is not (>= 0 and <= 100))
        {
            issues.Add("fuel or charge level missing or implausible");
        }

        if (!rules.ReturnZones.Any(zone => zone.Contains(car.Latitude, car.Longitude)))
        {
            issues.Add("vehicle left outside every return zone");
        }

        return new ReturnVerdict(issues, Contradictions(rules, claim, car), car.EnergyPercent, Witnessed: true);
    }

    /// <summary>Where the customer's claim disagrees with the vehicle beyond the tolerances: noted, never believed.</summary>
    public static IReadOnlyList<string> Contradictions(RentalOptions rules, ReturnProof claim, VehicleTelemetry car)
    {
        var notes = new List<string>();
        if (claim.EnergyPercent is { } energy && Math.Abs(energy - car.EnergyPercent) > rules.ClaimEnergyTolerancePoints)
        {
            notes.Add(Invariant($"claimed {energy}% fuel or charge, the vehicle reports {car.EnergyPercent}%"));
        }

        if (claim.OdometerKm is { } odometer && Math.Abs(odometer - car.OdometerKm) > rules.ClaimOdometerToleranceKm)
        {
            notes.Add(Invariant($"claimed an odometer of {odometer:0.#} km, the vehicle reports {car.OdometerKm:0.#} km"));
        }

        if (claim.Latitude is { } latitude && claim.Longitude is { } longitude
            && TelemetryRules.DistanceMeters(latitude, longitude, car.Latitude, car.Longitude) > rules.ClaimPositionToleranceMeters)
        {
            notes.Add(Invariant($"claimed a position {TelemetryRules.DistanceMeters(latitude, longitude, car.Latitude, car.Longitude) / 1000:0.#} km from the vehicle's own"));
        }

        return notes;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <param name="energyPercent">the energy the return is judged by (<see cref="ReturnVerdict.EnergyPercent"/>).</param>
    /// <param name="returnedAt">when the customer submitted the return: lateness counts to it, not to the lock.</param>
    public static IReadOnlyList<Fine> Fines(RentalOptions rules, int? energyPercent, DateTimeOffset endsAt, DateTimeOffset returnedAt)
    {
        var fines = new List<Fine>();
        if (returnedAt > endsAt)
        {
            var lateHours = (long)Math.Ceiling((returnedAt - endsAt).TotalHours);
            fines.Add(new Fine($"returned {lateHours} h late", new Money(rules.LateReturnFinePerHour * lateHours, rules.Currency)));
        }

        if (energyPercent < rules.LowEnergyPercent)
        {
            fines.Add(new Fine($"returned with {energyPercent}% fuel or charge", new Money(rules.LowEnergyFine, rules.Currency)));
        }

        return fines;
    }

    /// <summary>PAY-11: what the rental costs in all, price and fines; no hold caps it.</summary>
    public static Money Owed(Money price, IEnumerable<Fine> fines) => fines.Aggregate(price, (sum, fine) => sum.Plus(fine.Amount));

    /// <summary>
    /// PAY-11: how the money still to collect at return is split: what the hold can give (<paramref name="held"/>
    /// is what it may still capture), and what lies beyond it and is charged off-session.
    /// </summary>
    /// <param name="prepaid">captured already when a lapsing hold was replaced mid-rental (PAY-10).</param>
    public static (long FromHold, long Beyond) Split(Money owed, Money? prepaid, long held)
    {
        var toCollect = Math.Max(0, owed.Amount - (prepaid?.Amount ?? 0));
        var fromHold = Math.Min(toCollect, Math.Max(0, held));
        return (fromHold, toCollect - fromHold);
    }

    public static Money FineTotal(IEnumerable<Fine> fines, string currency) =>
        fines.Aggregate(Money.Zero(currency), (sum, fine) => sum.Plus(fine.Amount));

    /// <summary>
    /// ADM-3, PAY-11: an adjustment is in the rental's currency, never zero, and fines never total below
    /// zero. Checked before anything changes.
    /// </summary>
    public static void EnsureFineAdjustment(IEnumerable<Fine> fines, Money adjustment, string rentalCurrency)
    {
        if (!string.Equals(adjustment.Currency, rentalCurrency, StringComparison.Ordinal))
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"The rental is charged in {rentalCurrency}; a fine in {adjustment.Currency} cannot be added to it.");
        }

        var total = FineTotal(fines, adjustment.Currency);
        if (adjustment.Amount == 0 || total.Amount + adjustment.Amount < 0)
        {
            throw new DomainException(ErrorCodes.ValidationFailed,
                $"The adjustment must not be zero, and fines cannot total below zero (they are {total.Amount} {total.Currency}).");
        }
    }

    /// <summary>PAY-11: the wait before capture attempt <paramref name="refused"/>+1, doubling from <see cref="RentalOptions.CaptureRetryDelay"/>.</summary>
    public static TimeSpan CaptureBackoff(RentalOptions rules, int refused) => rules.CaptureRetryDelay * Math.Pow(2, Math.Max(0, refused - 1));

    /// <summary>
    /// PAY-11: fine money that may still be refunded, per PaymentIntent, newest first: a fine reduction
    /// returns only fines actually captured, never the rental's price.
    /// </summary>
    public static IReadOnlyList<(string PaymentIntentId, long Amount)> RefundableFines(IEnumerable<MoneyMoved> moves)
    {
        var byIntent = new Dictionary<string, long>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var moved in moves)
        {
            var delta = moved.Type switch
            {
                MoneyMovementType.Captured => moved.FinesAmount,
                MoneyMovementType.Refunded or MoneyMovementType.SettlementFailed => -moved.FinesAmount,
                _ => 0,
            };
            if (!byIntent.ContainsKey(moved.PaymentIntentId))
            {
                order.Add(moved.PaymentIntentId);
            }

            byIntent[moved.PaymentIntentId] = byIntent.GetValueOrDefault(moved.PaymentIntentId) + delta;
        }

        return [.. Enumerable.Reverse(order).Where(intent => byIntent[intent] > 0).Select(intent => (intent, byIntent[intent]))];
    }

    /// <summary>What of the captured money has not been refunded yet.</summary>
    public static long Refundable(Money captured, Money? refunded) => captured.Amount - (refunded?.Amount ?? 0);
}

/// <param name="Issues">Why the return waits for ops (empty: verified).</param>
/// <param name="Notes">Where the customer's claim contradicts the vehicle; the vehicle's reading counted.</param>
/// <param name="EnergyPercent">The energy the return is judged by.</param>
/// <param name="Witnessed">The vehicle's own recent report judged it; otherwise only the customer's claim was there.</param>
public sealed record ReturnVerdict(IReadOnlyList<string> Issues, IReadOnlyList<string> Notes, int? EnergyPercent, bool Witnessed);
