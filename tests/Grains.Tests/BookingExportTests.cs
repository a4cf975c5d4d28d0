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
