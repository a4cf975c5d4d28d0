using System.Globalization;
using System.Text;
using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Analytics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Analytics;

/// <summary>
/// ANA-3: a daily reminder writes yesterday's bookings as newline-delimited JSON, one file per day,
/// written aside and renamed so a reader never sees half a file. Missed nights are caught up.
/// </summary>
public sealed partial class BookingExportGrain(
    [PersistentState("booking-export", StorageNames.Grains)] IPersistentState<BookingExportState> state,
    IOptionsMonitor<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<BookingExportGrain> logger) : Grain, IBookingExportGrain, IRemindable
{
    private const string Nightly = "nightly";

    public async Task EnsureScheduledAsync()
    {
        if (await this.GetReminder(Nightly) is null)
        {
            await this.RegisterOrUpdateReminder(Nightly, NextRun(time.GetUtcNow(), options.CurrentValue.ExportTimeOfDay) - time.GetUtcNow(), TimeSpan.FromDays(1));
        }
    }

    public static DateTimeOffset NextRun(DateTimeOffset now, TimeSpan timeOfDay)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero) + timeOfDay;
        return today > now ? today : today.AddDays(1);
    }

    public async Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status)
    {
        var yesterday = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-1);
        var first = state.State.LastExportedDay?.AddDays(1) ?? yesterday;
        var earliest = yesterday.AddDays(1 - options.CurrentValue.CatchUpDays);
        for (var day = first < earliest ? earliest : first; day <= yesterday; day = day.AddDays(1))
        {
            await ExportDayAsync(day);
        }
    }

    public async Task<string> ExportDayAsync(DateOnly day)
    {
        var key = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var bookings = await GrainFactory.GetGrain<IBookingDayGrain>(BookingStreams.ChangedKey(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero))).ListAsync();
        var directory = Path.GetFullPath(options.CurrentValue.ExportDirectory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"bookings-{key}.ndjson");
        var lines = new StringBuilder();
        foreach (var booking in bookings.OrderBy(booking => booking.CreatedAt).ThenBy(booking => booking.ReservationId, StringComparer.Ordinal))
        {
            lines.Append(JsonSerializer.Serialize(booking, Events.EventJson.Options)).Append('\n');
        }

        await WriteWholeAsync(Path.Combine(directory, $"bookings-{key}.schema.json"), BigQuerySchema);
        await WriteWholeAsync(path, lines.ToString());
        if (state.State.LastExportedDay is null || day > state.State.LastExportedDay)
        {
            state.State.LastExportedDay = day;
            await state.WriteStateAsync();
        }

        LogExported(bookings.Count, key, path);
        return path;
    }

    /// <summary>Written aside and renamed, so a loader never sees half a file.</summary>
    private static async Task WriteWholeAsync(string path, string text)
    {
        var partial = path + ".partial";
        await File.WriteAllTextAsync(partial, text);
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>
    /// ANA-3: the BigQuery JSON schema of the night's file (`bq load --source_format=NEWLINE_DELIMITED_JSON
    /// --schema=bookings-DAY.schema.json`), in the order and names the records are written.
    /// </summary>
    public static readonly string BigQuerySchema = JsonSerializer.Serialize(new[]
    {
        Column("reservationId", "STRING"), Column("customerRef", "STRING"), Column("vehicleId", "STRING"), Column("category", "STRING"),
        Column("createdAt", "TIMESTAMP"), Column("startsAt", "TIMESTAMP"), Column("endsAt", "TIMESTAMP"), Column("status", "STRING"),
        Column("priceAmount", "INTEGER"), Column("capturedAmount", "INTEGER"), Column("currency", "STRING"), Column("updatedAt", "TIMESTAMP"),
    }, new JsonSerializerOptions { WriteIndented = true });

    private static Dictionary<string, string> Column(string name, string type) => new() { ["name"] = name, ["type"] = type, ["mode"] = "REQUIRED" };

    [LoggerMessage(Level = LogLevel.Information, Message = "Exported {Count} bookings of {Day} to {Path}")]
    private partial void LogExported(int count, string day, string path);
}
