using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace CaaS.Grains.Operations;

/// <summary>
/// Reads Stripe through the payment adapter, then the flows its PaymentIntents name and the open
/// flows of the index, then the fleet's timeslots, and hands each flow to <see cref="Reconciliation"/>.
/// </summary>
[StatelessWorker(1)]
public sealed partial class ReconcilerGrain(TimeProvider time, ILogger<ReconcilerGrain> logger) : Grain, IReconcilerGrain
{
    /// <summary>Enough grains read at once to keep a large run short without flooding the silo.</summary>
    private const int ReadsInFlight = 32;

    public async Task<ReconciliationReport> RunAsync(DateTimeOffset? from, DateTimeOffset? before)
    {
        var payments = GrainFactory.GetGrain<IPaymentAdapterGrain>(0);
        var intents = new Dictionary<string, PaymentRecord>(StringComparer.Ordinal);
        foreach (var intent in await payments.ListAsync(from, before))
        {
            intents[intent.PaymentIntentId] = intent;
        }

        // Open flows are checked whether or not Stripe holds anything for them (a missing hold), and
        // those whose PaymentIntents fall outside the period are read by their metadata, so a doubled
        // hold is seen whatever period was asked for.
        var openRentals = await OpenFlowsAsync(FlowKinds.Rental);
        var openPurchases = await OpenFlowsAsync(FlowKinds.ServicePurchase);
        foreach (var (open, key) in new[] { (openRentals, PaymentMetadata.ReservationId), (openPurchases, PaymentMetadata.PurchaseId) })
        {
            var named = intents.Values.Select(intent => intent.Metadata.GetValueOrDefault(key)).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var found in await InBatchesAsync(open.Where(flowId => !named.Contains(flowId)), flowId => payments.FindByMetadataAsync(key, flowId)))
            {
                foreach (var intent in found)
                {
                    intents[intent.PaymentIntentId] = intent;
                }
            }
        }

        var figures = (await InBatchesAsync(intents.Values, async intent =>
                new IntentFigures(intent, intent.AmountReceived.Amount > 0 ? (await payments.ListRefundsAsync(intent.PaymentIntentId)).Sum(refund => refund.Amount.Amount) : 0)))
            .ToList();
        var mismatches = new List<Mismatch>();
        var byRental = Group(figures, PaymentMetadata.ReservationId, openRentals);
        var byPurchase = Group(figures, PaymentMetadata.PurchaseId, openPurchases);
        foreach (var unowned in figures.Where(intent => !intent.Record.Metadata.ContainsKey(PaymentMetadata.ReservationId)
                                                        && !intent.Record.Metadata.ContainsKey(PaymentMetadata.PurchaseId) && intent.HoldsMoney))
        {
            mismatches.Add(new Mismatch(MismatchKinds.UnknownFlow, null, null, unowned.Record.PaymentIntentId,
                $"{unowned.Record.Status} with {unowned.Net} received net: its metadata names no reservation or purchase."));
        }

        var rentals = (await InBatchesAsync(byRental.Keys, async id => (Id: id, View: await GrainFactory.GetGrain<IReservationGrain>(id).InspectAsync())))
            .ToDictionary(rental => rental.Id, rental => rental.View, StringComparer.Ordinal);
        foreach (var (id, view) in rentals)
        {
            mismatches.AddRange(Reconciliation.CheckRental(id, view, byRental[id]));
        }

        var purchases = await InBatchesAsync(byPurchase.Keys, async id => (Id: id, View: await GrainFactory.GetGrain<IServicePurchaseGrain>(id).GetAsync()));
        foreach (var (id, view) in purchases)
        {
            mismatches.AddRange(Reconciliation.CheckPurchase(id, view, byPurchase[id]));
        }

        var vins = (await GrainFactory.GetGrain<IFleetCatalogGrain>(0).ListAsync()).Select(vehicle => vehicle.Vin)
            .Concat(rentals.Values.OfType<ReservationView>().Select(view => view.Vin))
            .Where(vin => vin.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
        var timeslots = await InBatchesAsync(vins, async vin => (Vin: vin, Slots: await GrainFactory.GetGrain<IVehicleGrain>(vin).GetTimeslotsAsync()));
        foreach (var (vin, slots) in timeslots)
        {
            foreach (var slot in slots.Where(slot => slot.Kind == TimeslotKind.Reservation))
            {
                if (!rentals.TryGetValue(slot.Owner, out var owner))
                {
                    owner = await GrainFactory.GetGrain<IReservationGrain>(slot.Owner).InspectAsync();
                    rentals[slot.Owner] = owner;
                }

                if (Reconciliation.CheckTimeslot(vin, slot, owner) is { } dead)
                {
                    mismatches.Add(dead);
                }
            }
        }

        var report = new ReconciliationReport(time.GetUtcNow(), from, before, figures.Count, byRental.Count, byPurchase.Count, vins.Count, mismatches);
        LogReconciled(report.PaymentIntents, report.Rentals, report.ServicePurchases, report.Vehicles, mismatches.Count);
        foreach (var mismatch in mismatches)
        {
            LogMismatch(mismatch.Kind, mismatch.FlowKind, mismatch.FlowId, mismatch.PaymentIntentId, mismatch.Detail);
        }

        return report;
    }

    private async Task<IReadOnlyList<string>> OpenFlowsAsync(string kind) =>
        [.. (await FlowIndex.ListAsync(GrainFactory, kind)).Where(flow => !flow.Finished).Select(flow => flow.FlowId)];

    private static Dictionary<string, List<IntentFigures>> Group(IEnumerable<IntentFigures> intents, string key, IEnumerable<string> alsoFlows)
    {
        var groups = alsoFlows.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => new List<IntentFigures>(), StringComparer.Ordinal);
        foreach (var intent in intents)
        {
            if (intent.Record.Metadata.GetValueOrDefault(key) is { } flowId)
            {
                if (!groups.TryGetValue(flowId, out var group))
                {
                    groups[flowId] = group = [];
                }

                group.Add(intent);
            }
        }

        return groups;
    }

    private static async Task<List<TResult>> InBatchesAsync<T, TResult>(IEnumerable<T> items, Func<T, Task<TResult>> read)
    {
        var results = new List<TResult>();
        foreach (var batch in items.Chunk(ReadsInFlight))
        {
            results.AddRange(await Task.WhenAll(batch.Select(read)));
        }

        return results;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciliation: {Intents} PaymentIntents, {Rentals} rentals, {Purchases} service purchases and {Vehicles} vehicles checked; {Mismatches} mismatches")]
    private partial void LogReconciled(int intents, int rentals, int purchases, int vehicles, int mismatches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation mismatch {Kind} on {FlowKind} {FlowId} (PaymentIntent {PaymentIntentId}): {Detail}")]
    private partial void LogMismatch(string kind, string? flowKind, string? flowId, string? paymentIntentId, string detail);
}
