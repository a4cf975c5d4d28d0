using System.Net;
using System.Text.Json;
using CaaS.Integration.Tests.Support;

namespace CaaS.Chaos.Tests;

/// <summary>The journeys the chaos run's workers take, each as a customer or an operator would.</summary>
public sealed partial class ChaosRun
{
    /// <summary>A rental starting now takes its vehicle for good (a completed rental keeps its hours), so each has a vehicle of its own.</summary>
    private async Task RentAndReturnAsync()
    {
        if (!_unused.TryDequeue(out var vehicle))
        {
            return;
        }

        var (_, token) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(1);
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = vehicle.VehicleId, startsAt, endsAt = startsAt.AddHours(1), paymentMethodId = "pm_card_visa" }, Key());
        if (status != HttpStatusCode.Created)
        {
            return;
        }

        var id = body.GetProperty("id").GetString()!;
        Accepted.Add(new AcceptedFlow("rental", id, token, "Completed"));
        await SendAsync(HttpMethod.Post, $"/api/rentals/{id}/unlock", token);
        await SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, CaaSCalls.GoodProof);
        _returned.Enqueue(id);
    }

    /// <summary>
    /// PAY-11 under faults: ops add a fine to a returned rental (a toll found later), charged before the
    /// capture or on the saved card after it; the reconciler then finds nothing owed and not charged.
    /// Sent once: an answer lost leaves the fine applied or not, and the reconciler judges either.
    /// </summary>
    private async Task FineLaterAsync()
    {
        if (!_returned.TryDequeue(out var id))
        {
            return;
        }

        var ops = await platform.TokenAsync("ops-chaos", "ops");
        Interlocked.Increment(ref _requests);
        await _calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: {500 + Next(8_000)}, reason: \"chaos: toll found later\") {{ id }} }}");
    }

    private async Task BookAndCancelAsync()
    {
        var (_, token) = await _calls.CustomerAsync();
        var startsAt = DateTimeOffset.UtcNow.Date.AddDays(3 + Next(60)).AddHours(Next(20));
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = _fleet[Next(_fleet.Count)], startsAt, endsAt = startsAt.AddHours(2), paymentMethodId = "pm_card_visa" }, Key());
        if (status != HttpStatusCode.Created)
        {
            return;
        }

        var id = body.GetProperty("id").GetString()!;
        Accepted.Add(new AcceptedFlow("rental", id, token, "Cancelled"));
        await SendAsync(HttpMethod.Post, $"/api/reservations/{id}/cancel", token);
    }

    /// <summary>MOB-6: three customers want the same vehicle for the same hours at the same moment.</summary>
    private async Task ContestAsync()
    {
        var vehicleId = _fleet[Next(_fleet.Count)];
        var startsAt = DateTimeOffset.UtcNow.Date.AddDays(70 + Next(100)).AddHours(Next(20));
        var contenders = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            var (_, token) = await _calls.CustomerAsync();
            var (status, body) = await SendAsync(HttpMethod.Post, "/api/reservations", token,
                new { vehicleId, startsAt, endsAt = startsAt.AddHours(4), paymentMethodId = "pm_card_visa" }, Key());
            return (Token: token, Status: status, Body: body);
        }));
        var winners = contenders.Where(contender => contender.Status == HttpStatusCode.Created).ToList();
        Contests.Add(new Contest(vehicleId, startsAt, [.. winners.Select(winner => winner.Body.GetProperty("id").GetString()!)]));
        foreach (var winner in winners)
        {
            var id = winner.Body.GetProperty("id").GetString()!;
            Accepted.Add(new AcceptedFlow("rental", id, winner.Token, "Cancelled"));
            await SendAsync(HttpMethod.Post, $"/api/reservations/{id}/cancel", winner.Token);
        }
    }

    private async Task PurchaseAsync()
    {
        if (!_purchases.TryDequeue(out var purchase))
        {
            return;
        }

        var (status, body) = await SendAsync(HttpMethod.Post, $"/api/vehicles/{purchase.Vin}/services", purchase.Token,
            new { serviceCode = purchase.Code, paymentMethodId = "pm_card_visa" }, Key());
        if (status == HttpStatusCode.Accepted)
        {
            Accepted.Add(new AcceptedFlow("servicePurchase", body.GetProperty("purchaseId").GetString()!, purchase.Token, "Active"));
        }
    }

    private async Task OrderAsync()
    {
        var (_, token) = await _calls.CustomerAsync();
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("ES"), Key());
        if (status != HttpStatusCode.Created)
        {
            return;
        }

        var id = body.GetProperty("orderId").GetString()!;
        if (body.GetProperty("factoryOrderId").GetString() is not { } factoryOrderId)
        {
            // FAC-1: the Factory did not take it; the order waits for a person, with an ops alert.
            Accepted.Add(new AcceptedFlow("factoryOrder", id, token, "PlacementFailed"));
            return;
        }

        Accepted.Add(new AcceptedFlow("factoryOrder", id, token, "Delayed"));

        // FAC-2 under WH-3: the Factory sends MANUFACTURING twice, then DELAYED; then a MANUFACTURING
        // older than DELAYED arrives late under a new message id, and a DELAYED is replayed.
        var occurredAt = DateTimeOffset.UtcNow;
        await _calls.AdvanceAsync(factoryOrderId, new { status = "MANUFACTURING", duplicate = true });
        await _calls.AdvanceAsync(factoryOrderId, new { status = "DELAYED", estimatedCompletionDate = DateTimeOffset.UtcNow.AddDays(60) });
        Count("Factory webhook duplicated");
        var late = JsonSerializer.Serialize(new { orderId = factoryOrderId, reference = id, status = "MANUFACTURING", occurredAt = occurredAt.AddMinutes(-1) });
        var lateId = "msg-late-" + Key();
        for (var copy = 0; copy < 2; copy++)
        {
            await WithRetriesAsync(() => _calls.SendFactoryAsync(late, lateId, DateTimeOffset.UtcNow));
        }

        Count("Factory webhook reordered and replayed");
    }
}
