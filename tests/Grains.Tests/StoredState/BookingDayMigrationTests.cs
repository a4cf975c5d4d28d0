using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Analytics;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Grains.Tests.StoredState;

/// <summary>
/// Issue 18: a booking day used to be one grain state rewritten whole by every batch. A day still
/// stored that way moves into the rows when it is first asked for, and where the log's consumer has
/// written a booking since, the newer event stays.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BookingDayMigrationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Issue_18_ANA_1_a_day_stored_whole_moves_into_rows_once_and_a_newer_row_wins()
    {
        const string day = "2026-10-01";
        var grain = fixture.Grains.GetGrain<IBookingDayGrain>(day);
        Assert.Equal("bookingday", grain.GetGrainId().Type.ToString());
        var stored = new BookingDayState();
        foreach (var (id, status, sequence) in new[] { ("res-old-1", "Confirmed", 2L), ("res-old-2", "Confirmed", 2L) })
        {
            stored.Bookings[id] = Booking(id, status);
            stored.Sequences[id] = sequence;
        }

        await fixture.Storage.WriteStateAsync("booking-day", grain.GetGrainId(), new GrainState<BookingDayState>(stored));
        var rows = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IBookingDayRows>();
        // The consumer wrote a later event of one of them before anyone read the day.
        await rows.UpsertAsync([new BookingDayRow(day, new SequencedBooking(Booking("res-old-2", "Cancelled"), 3))]);

        var listed = (await grain.ListAsync()).OrderBy(booking => booking.ReservationId, StringComparer.Ordinal).ToList();
        var left = new GrainState<BookingDayState>();
        await fixture.Storage.ReadStateAsync("booking-day", grain.GetGrainId(), left);

        Assert.Equal([("res-old-1", "Confirmed"), ("res-old-2", "Cancelled")], listed.Select(booking => (booking.ReservationId, booking.Status)));
        Assert.Empty(left.State?.Bookings ?? []);
    }

    private static AnalyticsExport Booking(string id, string status)
    {
        var at = new DateTimeOffset(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);
        return new AnalyticsExport(id, "c_0123456789abcdef", "veh-1", "compact", at, at.AddDays(1), at.AddDays(1).AddHours(3), status, 9_900, 0, "EUR", at);
    }
}
