using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Rentals;

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

    public static IReadOnlyList<Fine> Fines(RentalOptions rules, ReturnProof proof, DateTimeOffset endsAt, DateTimeOffset returnedAt)
    {
        var fines = new List<Fine>();
        if (returnedAt > endsAt)
        {
            var lateHours = (long)Math.Ceiling((returnedAt - endsAt).TotalHours);
            fines.Add(new Fine($"returned {lateHours} h late", new Money(rules.LateReturnFinePerHour * lateHours, rules.Currency)));
        }

        if (proof.EnergyPercent < rules.LowEnergyPercent)
        {
            fines.Add(new Fine($"returned with {proof.EnergyPercent}% fuel or charge", new Money(rules.LowEnergyFine, rules.Currency)));
        }

        return fines;
    }

    /// <summary>Price and fines, but never more than the hold the payment provider will let us capture.</summary>
    public static Money FinalAmount(Money price, IEnumerable<Fine> fines, Money authorized)
    {
        var total = fines.Aggregate(price, (sum, fine) => sum.Plus(fine.Amount));
        return total.Amount > authorized.Amount ? authorized : total;
    }

    public static Money FineTotal(IEnumerable<Fine> fines, string currency) =>
        fines.Aggregate(Money.Zero(currency), (sum, fine) => sum.Plus(fine.Amount));

    /// <summary>ADM-3: an adjustment is never zero, and fines never total below zero.</summary>
    public static void EnsureFineAdjustment(IEnumerable<Fine> fines, Money adjustment)
    {
        var total = FineTotal(fines, adjustment.Currency);
        if (adjustment.Amount == 0 || total.Amount + adjustment.Amount < 0)
        {
            throw new DomainException(ErrorCodes.ValidationFailed,
                $"The adjustment must not be zero, and fines cannot total below zero (they are {total.Amount} {total.Currency}).");
        }
    }

    /// <summary>What of the captured money has not been refunded yet.</summary>
    public static long Refundable(Money captured, Money? refunded) => captured.Amount - (refunded?.Amount ?? 0);
}
