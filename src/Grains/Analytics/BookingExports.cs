using System.Security.Cryptography;
using System.Text;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Analytics;

/// <summary>
/// ANA-1: a reservation as the demand-forecasting service may see it. The mapping runs where the
/// booking events are produced, so no customer id ever leaves the reservation: only its pseudonym.
/// </summary>
public static class BookingExports
{
    public static AnalyticsExport Of(string reservationId, ReservationState reservation, string defaultCurrency, string pseudonymKey)
    {
        var request = reservation.Request ?? throw new InvalidOperationException($"Reservation {reservationId} has no request to export.");
        return new AnalyticsExport(reservationId, Pseudonym(request.CustomerId, pseudonymKey), request.VehicleId, reservation.Category, reservation.CreatedAt,
            request.StartsAt, request.EndsAt, reservation.Status.ToString(), reservation.Price?.Amount ?? 0, reservation.CapturedAmount?.Amount ?? 0,
            reservation.Price?.Currency ?? defaultCurrency, reservation.UpdatedAt ?? reservation.CreatedAt);
    }

    /// <summary>
    /// Stable per customer and key, so demand can be counted per customer. Keyed (SEC-7): customer ids are
    /// short and guessable, so an unkeyed hash is reversed by hashing every candidate id; without the key
    /// (<c>Analytics:PseudonymKey</c>) nobody can compute a customer's pseudonym. A new key gives every
    /// customer a new pseudonym from then on.
    /// </summary>
    public static string Pseudonym(string customerId, string key) =>
        "c_" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(customerId)))[..16];
}
