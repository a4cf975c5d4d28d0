using System.Text.Json;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Abstractions.Events;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Rentals;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Events;

/// <summary>A read model as a consumer of the log: what it reads, and how a batch reaches its grains.</summary>
public abstract class ReadModelFeed
{
    public abstract string Name { get; }

    public abstract string Filter { get; }

    /// <summary>Returns once every grain the batch touched has written it.</summary>
    public abstract Task ApplyAsync(IGrainFactory grains, IReadOnlyList<LoggedEvent> events);

    public abstract Task ClearAsync(IGrainFactory grains);

    protected static T DataOf<T>(LoggedEvent logged) =>
        JsonSerializer.Deserialize<T>(logged.Event.Data, EventJson.Options) ?? throw new JsonException($"Event {logged.Event.Id} has no data.");

    protected static bool Is(LoggedEvent logged, EventKind kind) => logged.Event.Subject.StartsWith($"caas.{kind.Plural}.", StringComparison.Ordinal);
}

/// <summary>ADM-1 and stuck flows: every flow's newest state, from bookings, orders, purchases and OTA commands.</summary>
public sealed class FlowIndexFeed(Operations.IFlowIndexRows rows, IOptionsMonitor<Operations.OperationsOptions> options, TimeProvider time) : ReadModelFeed
{
    public override string Name => "flow-index";

    // One filter subject (nats-server 2.9): money and vehicle events pass by unread.
    public override string Filter => EventSubjects.All;

    public override Task ApplyAsync(IGrainFactory grains, IReadOnlyList<LoggedEvent> events)
    {
        var moves = new List<FlowMoved>();
        foreach (var logged in events)
        {
            if (Is(logged, EventSubjects.Booking))
            {
                moves.Add(FromBooking(DataOf<AnalyticsExport>(logged), logged.Event.Sequence));
            }
            else if (Is(logged, EventSubjects.Order) || Is(logged, EventSubjects.Purchase) || Is(logged, EventSubjects.Ota))
            {
                moves.Add(DataOf<FlowMoved>(logged) with { Sequence = logged.Event.Sequence });
            }
        }

        // One write of just the flows the batch moved.
        return rows.ApplyAsync(Operations.FlowIndexRows.NewestOf(moves), time.GetUtcNow() - options.CurrentValue.FinishedMemory);
    }

    public override Task ClearAsync(IGrainFactory grains) =>
        Task.WhenAll(FlowKinds.All.SelectMany(FlowIndex.KeysOf).Select(key => grains.GetGrain<IFlowIndexGrain>(key).ClearAsync()));

    /// <summary>
    /// A booking event carries no customer id (it is the forecaster's too), so the index holds the
    /// rental without it; activeRentals asks the reservation for who rents it.
    /// </summary>
    public static FlowMoved FromBooking(AnalyticsExport booking, long sequence)
    {
        var status = Enum.Parse<ReservationStatus>(booking.Status);
        return new FlowMoved(FlowKinds.Rental, booking.ReservationId, booking.Status, ReservationFlow.IsFinished(status), booking.UpdatedAt,
            ReservationFlow.HoldsTheVehicle(status) ? booking.EndsAt : null, VehicleId: booking.VehicleId, StartsAt: booking.StartsAt,
            EndsAt: booking.EndsAt, Sequence: sequence);
    }
}

/// <summary>ADM-4's revenue days, from <c>caas.money.&gt;</c>.</summary>
public sealed class RevenueFeed(TimeProvider time, Operations.IRevenueDayRows rows) : ReadModelFeed
{
    public override string Name => "revenue";

    public override string Filter => EventSubjects.Money;

    /// <summary>One write of just the movements of the batch, each under the day it happened.</summary>
    public override Task ApplyAsync(IGrainFactory grains, IReadOnlyList<LoggedEvent> events) =>
        rows.RecordAsync([.. events.Select(DataOf<MoneyMoved>)]);

    /// <summary>The days the retained log can fill again, and the week before them a flow's late capture may still name.</summary>
    public override Task ClearAsync(IGrainFactory grains) =>
        Task.WhenAll(DaysBack(time, 400).Select(day => grains.GetGrain<IRevenueDayGrain>(RevenueStreams.DayKey(day)).ClearAsync()));

    internal static IEnumerable<DateOnly> DaysBack(TimeProvider time, int days)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return Enumerable.Range(0, days).Select(back => today.AddDays(-back));
    }
}

/// <summary>ANA-1's booking days (by the day a booking was created) and ANA-3's (by the day it changed), from <c>caas.bookings.&gt;</c>.</summary>
public sealed class BookingDaysFeed(TimeProvider time, Analytics.IBookingDayRows rows) : ReadModelFeed
{
    public override string Name => "booking-days";

    public override string Filter => EventSubjects.Bookings;

    /// <summary>Each booking under the day it was created and the day it changed, in one write of just those rows.</summary>
    public override Task ApplyAsync(IGrainFactory grains, IReadOnlyList<LoggedEvent> events) =>
        rows.UpsertAsync(Analytics.BookingDayRow.NewestOf(events
            .Select(logged => new SequencedBooking(DataOf<AnalyticsExport>(logged), logged.Event.Sequence))
            .SelectMany(booking => new[]
            {
                new Analytics.BookingDayRow(BookingStreams.DayKey(booking.Booking.CreatedAt), booking),
                new Analytics.BookingDayRow(BookingStreams.ChangedKey(booking.Booking.UpdatedAt), booking),
            })));

    public override Task ClearAsync(IGrainFactory grains) =>
        Task.WhenAll(RevenueFeed.DaysBack(time, 400).Select(day => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero))
            .SelectMany(day => new[] { BookingStreams.DayKey(day), BookingStreams.ChangedKey(day) })
            .Select(key => grains.GetGrain<IBookingDayGrain>(key).ClearAsync()));
}
