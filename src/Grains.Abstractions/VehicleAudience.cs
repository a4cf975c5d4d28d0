using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Abstractions;

/// <summary>
/// SEC-7, the one rule of who sees a vehicle's telemetry, position and owner: its owner, its current
/// renter and ops. Everyone else who may see the vehicle at all sees it without them. Plain code, so
/// the API host only gathers the facts and the rule is tested on its own.
/// </summary>
public static class VehicleAudience
{
    /// <summary>The default of <c>Rentals:UnlockEarly</c>: the renter window opens when unlocking does.</summary>
    public static readonly TimeSpan DefaultUnlockEarly = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The reservations whose renter could be the current one: every reservation timeslot whose unlock
    /// window has opened. Past ones stay candidates while they are held, because a late or unverified
    /// return keeps its renter; the slot is released once the rental is settled or cancelled. Newest
    /// first, since the one just starting is the likeliest.
    /// </summary>
    public static IEnumerable<string> RentalsToAsk(IEnumerable<Timeslot> timeslots, DateTimeOffset now, TimeSpan unlockEarly) =>
        timeslots.Where(slot => slot.Kind == TimeslotKind.Reservation && slot.From - unlockEarly <= now)
            .OrderByDescending(slot => slot.From)
            .Select(slot => slot.Owner);

    /// <summary>
    /// The customer rents the vehicle now: from <paramref name="unlockEarly"/> before the start (when
    /// they may unlock it) until their return is verified. A confirmed booking never unlocked stops
    /// at its end, as unlocking does; a return waiting for ops still has its renter.
    /// </summary>
    public static bool Rents(ReservationView? rental, string customerId, DateTimeOffset now, TimeSpan unlockEarly) =>
        rental is not null && rental.CustomerId == customerId && rental.Status switch
        {
            ReservationStatus.Confirmed => now >= rental.StartsAt - unlockEarly && now <= rental.EndsAt,
            ReservationStatus.Active => true,
            ReservationStatus.ReturnPending => rental.VerificationIssues.Count > 0,
            _ => false,
        };

    /// <summary>Whether the viewer sees everything: ops, the owner, or the customer renting it now.</summary>
    public static bool SeesEverything(bool isOps, string? customerId, string? ownerId, bool rentsNow) =>
        isOps || rentsNow || (customerId is not null && customerId == ownerId);

    /// <summary>The vehicle as anyone else sees it.</summary>
    public static VehicleSnapshot WithoutPrivateData(VehicleSnapshot vehicle) =>
        vehicle with { OwnerId = null, Telemetry = null, LastContact = null };
}
