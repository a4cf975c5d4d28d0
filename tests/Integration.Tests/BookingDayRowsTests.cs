using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Analytics;
using CaaS.Silo;
using CaaS.TestSupport;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace CaaS.Integration.Tests;

/// <summary>Issue 18 and ANA-1: a booking day is rows, and a batch of the log writes only its own.</summary>
public sealed class BookingDayRowsTests
{
    private const string Day = "2026-12-02";

    [Fact]
    public async Task Issue_18_ANA_1_a_batch_writes_only_the_rows_of_its_bookings_and_the_rest_of_the_day_stays_as_stored()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var rows = Postgres(database, "service-a");
        await rows.UpsertAsync(BookingDayRow.NewestOf(Enumerable.Range(0, 50).Select(i => Row($"res-{i:00}", sequence: 2))));
        var before = await VersionsAsync(database);

        await rows.UpsertAsync(BookingDayRow.NewestOf([Row("res-01", sequence: 3, status: "Cancelled"), Row("res-50", sequence: 1)]));
        var after = await VersionsAsync(database);

        Assert.Equal(["res-01"], before.Keys.Where(id => after[id] != before[id]));
        Assert.Equal(51, after.Count);
    }

    [Fact]
    public async Task Issue_18_ANA_1_rows_in_PostgreSQL_keep_the_newest_event_of_each_booking_per_day_and_service()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await KeepsTheNewestAsync(Postgres(database, "service-a"), Postgres(database, "service-b"));
    }

    [Fact]
    public Task Issue_18_ANA_1_rows_in_memory_keep_the_newest_event_of_each_booking_per_day() =>
        KeepsTheNewestAsync(new InMemoryBookingDayRows(), new InMemoryBookingDayRows());

    private static async Task KeepsTheNewestAsync(IBookingDayRows rows, IBookingDayRows otherService)
    {
        // One batch may carry a booking twice (created and confirmed): the newer wins, whatever the order.
        await rows.UpsertAsync(BookingDayRow.NewestOf([Row("res-1", 2, "Confirmed"), Row("res-1", 1, "Pending"), Row("res-2", 1, "Pending")]));
        // A batch delivered again after a crash, and an older event arriving late, change nothing.
        await rows.UpsertAsync(BookingDayRow.NewestOf([Row("res-1", 1, "Pending"), Row("res-2", 1, "Pending")]));
        await rows.UpsertAsync([Row("res-2", 3, "Cancelled"), Row("res-3", 1, "Pending", day: "2026-12-03")]);
        await otherService.UpsertAsync([Row("res-9", 1, "Pending")]);

        var day = (await rows.ListAsync(Day)).OrderBy(booking => booking.ReservationId, StringComparer.Ordinal).ToList();

        Assert.Equal([("res-1", "Confirmed"), ("res-2", "Cancelled")], day.Select(booking => (booking.ReservationId, booking.Status)));
        Assert.Equal(Row("res-1", 2, "Confirmed").Booking.Booking, day[0]);
        Assert.Equal(["res-3"], (await rows.ListAsync("2026-12-03")).Select(booking => booking.ReservationId));

        await rows.ClearAsync(Day);

        Assert.Empty(await rows.ListAsync(Day));
        Assert.Single(await rows.ListAsync("2026-12-03"));
        Assert.Single(await otherService.ListAsync(Day));
    }

    private static PostgresBookingDayRows Postgres(PostgresDatabase database, string service) =>
        new(database.ConnectionString, Options.Create(new ClusterOptions { ServiceId = service }));

    /// <summary>Each row's xmin: the transaction that last wrote it.</summary>
    private static async Task<Dictionary<string, string>> VersionsAsync(PostgresDatabase database) =>
        (await database.StringsAsync($"SELECT reservation_id || '=' || xmin::text FROM caas_booking_day WHERE day_key = '{Day}'"))
        .Select(row => row.Split('=')).ToDictionary(pair => pair[0], pair => pair[1]);

    private static BookingDayRow Row(string reservationId, long sequence, string status = "Confirmed", string day = Day)
    {
        var at = DateTimeOffset.Parse(day + "T09:30:00.123456Z", System.Globalization.CultureInfo.InvariantCulture);
        return new BookingDayRow(day, new SequencedBooking(new AnalyticsExport(reservationId, "c_0123456789abcdef", "veh-1", "compact", at,
            at.AddDays(3), at.AddDays(3).AddHours(2), status, 12_345, 0, "EUR", at.AddMinutes(sequence)), sequence));
    }
}
