using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Rentals;

/// <summary>SEC-7: a customer's erasure, as far as one of their rentals holds anything about them.</summary>
public sealed partial class ReservationGrain
{
    /// <summary>What stays of every rental, whatever was erased: the money records the law requires.</summary>
    private static readonly IReadOnlyList<string> KeptForTheLaw =
        ["amounts (authorised, captured, refunded, price, fines)", "PaymentIntent id", "money ledger", "customer id on the money records", "history of transitions"];

    public async Task<ReservationErasure?> EraseCustomerDataAsync(string customerId)
    {
        if (S.Request?.CustomerId != customerId)
        {
            return null;
        }

        var removed = new List<string>();
        if (S.ReturnProof is { } proof && (proof.PhotoUrls.Count > 0 || proof.Latitude is not null || proof.Longitude is not null))
        {
            if (proof.PhotoUrls.Count > 0)
            {
                removed.Add($"{proof.PhotoUrls.Count} return photo(s)");
            }

            if (proof.Latitude is not null || proof.Longitude is not null)
            {
                removed.Add("return position given by the customer");
            }

            // The odometer and energy stay: the final amount was judged by them, so they belong to the money record.
            S.ReturnProof = proof with { PhotoUrls = [], Latitude = null, Longitude = null };
        }

        if (S.ReturnWitness is { Telemetry: var car } witness && (car.Latitude != 0 || car.Longitude != 0))
        {
            // Not nullable in stored state: 0,0 stands for erased, and nothing reads this position afterwards.
            S.ReturnWitness = witness with { Telemetry = car with { Latitude = 0, Longitude = 0 } };
            removed.Add("return position reported by the car");
        }

        var owed = Journal.OfKind(ObligationKind.Notify).Select(notification => notification.Key).ToArray();
        foreach (var key in owed)
        {
            Journal.Discharge(ObligationKind.Notify, key);
        }

        if (owed.Length > 0)
        {
            removed.Add($"{owed.Length} notification(s) still owed to the customer");
        }

        if (removed.Count > 0)
        {
            await state.WriteStateAsync();
            await KeepGuardAsync();
        }

        return new ReservationErasure(Id, removed, KeptForTheLaw);
    }
}
