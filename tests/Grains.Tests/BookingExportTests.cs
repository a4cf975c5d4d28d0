using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Analytics;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Grains.Tests;

/// <summary>ANA-3: when the nightly export runs, and what a run writes after missed nights.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BookingExportTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("2026-11-23T01:59:59Z", "2026-11-23T02:00:00Z")]
    [InlineData("2026-11-23T02:00:00Z", "2026-11-24T02:00:00Z")]
    [InlineData("2026-11-23T23:30:00Z", "2026-11-24T02:00:00Z")]
    [InlineData("2026-12-31T08:00:00+01:00", "2027-01-01T02:00:00Z")]
    public void The_next_run_is_the_next_time_the_clock_shows_the_export_time_in_UTC(string now, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            BookingExportGrain.NextRun(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromHours(2)));

    [Fact]
    public void SEC_7_a_pseudonym_is_stable_for_one_customer_and_key_and_differs_with_another_key()
    {
        const string key = "booking-export-tests-key-0123456789abcdef";

        Assert.Equal(BookingExports.Pseudonym("cust-1", key), BookingExports.Pseudonym("cust-1", key));
        Assert.NotEqual(BookingExports.Pseudonym("cust-1", key), BookingExports.Pseudonym("cust-2", key));
        Assert.NotEqual(BookingExports.Pseudonym("cust-1", key), BookingExports.Pseudonym("cust-1", "another-key-for-the-same-customer-0123456789"));
    }

    [Fact]
    public void SEC_7_a_pseudonym_is_not_the_unkeyed_hash_anyone_could_compute_from_a_guessed_customer_id()
    {
        var pseudonym = BookingExports.Pseudonym("cust-1", "booking-export-tests-key-0123456789abcdef");
        // What the export used to write: SHA-256 of a fixed prefix and the id, reversible by hashing candidate ids.
        var unkeyed = "c_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("caas-analytics:cust-1")))[..16];
        var plain = "c_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("cust-1")))[..16];

        Assert.DoesNotContain(pseudonym, new[] { unkeyed, plain });
        Assert.Matches("^c_[0-9a-f]{16}$", pseudonym);
    }

    [Fact]
    public async Task The_silo_schedules_one_daily_reminder_for_the_export()
    {
        var export = fixture.Grains.GetGrain<IBookingExportGrain>(0);
        var reminders = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();

        await export.EnsureScheduledAsync();
        var entries = await reminders.ReadRows(export.GetGrainId());

        var nightly = Assert.Single(entries.Reminders);
        Assert.Equal(("nightly", TimeSpan.FromDays(1)), (nightly.ReminderName, nightly.Period));
    }

    [Fact]
    public async Task A_run_after_missed_nights_writes_every_day_since_the_last_export_up_to_yesterday()
    {
        var export = fixture.Grains.GetGrain<IBookingExportGrain>(0);
        var today = DateOnly.FromDateTime(fixture.Time.GetUtcNow().UtcDateTime);
        await export.ExportDayAsync(today.AddDays(-4));

        await export.AsReference<IRemindable>().ReceiveReminder("nightly", new TickStatus(fixture.Time.GetUtcNow().UtcDateTime, TimeSpan.FromDays(1), fixture.Time.GetUtcNow().UtcDateTime));

        var written = Directory.GetFiles(fixture.ExportDirectory, "bookings-*.ndjson").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(1, 4).Select(back => $"bookings-{today.AddDays(-back):yyyy-MM-dd}.ndjson").Order(StringComparer.Ordinal), written);
        // ANA-3: each night's file has its BigQuery schema beside it.
        Assert.All(written, file => Assert.True(File.Exists(Path.Combine(fixture.ExportDirectory, file!.Replace(".ndjson", ".schema.json", StringComparison.Ordinal)))));
    }

    [Fact]
    public async Task ANA_3_a_nights_file_holds_every_booking_changed_that_day_with_microsecond_timestamps_and_a_BigQuery_schema_beside_it()
    {
        var log = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<CaaS.Grains.Events.IEventLog>();
        var today = fixture.Time.GetUtcNow().UtcDateTime.Date;
        var createdAt = new DateTimeOffset(today.AddDays(-9).AddHours(10).AddTicks(1234567), TimeSpan.Zero);
        var cancelledAt = new DateTimeOffset(today.AddDays(-8).AddHours(9).AddTicks(7654321), TimeSpan.Zero);
        var id = "res-ana3-" + Guid.NewGuid().ToString("N")[..8];
        AnalyticsExport Booking(string status, DateTimeOffset updatedAt) =>
            new(id, "c_0123456789abcdef", "veh-001", "car", createdAt, createdAt.AddDays(20), createdAt.AddDays(21), status, 9_000, 0, "EUR", updatedAt);
        // Created on one day and cancelled on the next, after that night's export would have run.
        await log.PublishAsync([
            Abstractions.Events.EventSubjects.Booking.Event(id, 1, "created", createdAt, CaaS.Grains.Events.FlowEvents.BookingData(Booking("Confirmed", createdAt)), null),
            Abstractions.Events.EventSubjects.Booking.Event(id, 2, "cancelled", cancelledAt, CaaS.Grains.Events.FlowEvents.BookingData(Booking("Cancelled", cancelledAt)), null),
        ]);
        var export = fixture.Grains.GetGrain<IBookingExportGrain>(0);

        var firstNight = await Eventually.Until(async () => await File.ReadAllLinesAsync(await export.ExportDayAsync(DateOnly.FromDateTime(createdAt.UtcDateTime))),
            lines => lines.Any(line => line.Contains(id, StringComparison.Ordinal)), "the booking to reach its creation night's file");
        var secondNight = await Eventually.Until(async () => await File.ReadAllLinesAsync(await export.ExportDayAsync(DateOnly.FromDateTime(cancelledAt.UtcDateTime))),
            lines => lines.Any(line => line.Contains(id, StringComparison.Ordinal)), "the cancellation to reach the next night's file");

        var created = System.Text.Json.JsonDocument.Parse(firstNight.Single(line => line.Contains(id, StringComparison.Ordinal))).RootElement;
        var cancelled = System.Text.Json.JsonDocument.Parse(secondNight.Single(line => line.Contains(id, StringComparison.Ordinal))).RootElement;
        Assert.Equal("Confirmed", created.GetProperty("status").GetString());
        Assert.Equal("Cancelled", cancelled.GetProperty("status").GetString());
        // BigQuery's TIMESTAMP takes at most six fractional digits.
        Assert.Equal($"{createdAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss}.123456Z", cancelled.GetProperty("createdAt").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$", cancelled.GetProperty("updatedAt").GetString()!);
        var schema = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixture.ExportDirectory,
            $"bookings-{cancelledAt.UtcDateTime:yyyy-MM-dd}.schema.json"))).RootElement;
        Assert.Equal(cancelled.EnumerateObject().Select(field => field.Name), schema.EnumerateArray().Select(column => column.GetProperty("name").GetString()));
        Assert.Equal("TIMESTAMP", schema.EnumerateArray().Single(column => column.GetProperty("name").GetString() == "updatedAt").GetProperty("type").GetString());
    }
}
