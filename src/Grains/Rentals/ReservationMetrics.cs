using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Rentals;

/// <summary>
/// The reservation rate the dashboard shows: each creation counted once, when it leaves Pending, by
/// the state it ends in. Observable and at 0 for every ending from start-up, like the integration
/// counters, so "no confirmed reservations" is a 0 and not a missing series.
/// </summary>
public static class ReservationMetrics
{
    public const string InstrumentName = "reservation.count";

    private static readonly ConcurrentDictionary<string, long[]> Counts = new(
        new[] { ReservationStatus.Confirmed, ReservationStatus.Rejected, ReservationStatus.PaymentFailed, ReservationStatus.Cancelled }
            .Select(status => new KeyValuePair<string, long[]>(status.ToString(), [0])));

    private static readonly ObservableCounter<long> Instrument = CaaSDiagnostics.Meter.CreateObservableCounter(InstrumentName,
        () => Counts.Select(entry => new Measurement<long>(Interlocked.Read(ref entry.Value[0]), new KeyValuePair<string, object?>("outcome", entry.Key))),
        description: "Reservation creations by how they ended: Confirmed, Rejected, PaymentFailed or Cancelled (abandoned).");

    /// <summary>Called at start-up so the series exist before the first reservation.</summary>
    public static void Publish() => GC.KeepAlive(Instrument);

    public static void CreationEnded(ReservationStatus outcome) =>
        Interlocked.Increment(ref Counts.GetOrAdd(outcome.ToString(), _ => [0])[0]);
}
