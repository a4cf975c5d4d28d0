using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Analytics;
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

        var written = Directory.GetFiles(fixture.ExportDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(1, 4).Select(back => $"bookings-{today.AddDays(-back):yyyy-MM-dd}.ndjson").Order(StringComparer.Ordinal), written);
    }
}
