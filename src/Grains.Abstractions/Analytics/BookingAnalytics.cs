namespace CaaS.Grains.Abstractions.Analytics;

/// <summary>
/// ANA-1: one booking as the demand-forecasting service reads it (the AnalyticsExport schema of
/// api-contract.md). No personal data: the customer is a stable pseudonym.
/// </summary>
[GenerateSerializer, Immutable, Alias("caas.analytics-export")]
public sealed record AnalyticsExport(
    [property: Id(0)] string ReservationId,
    [property: Id(1)] string CustomerRef,
    [property: Id(2)] string VehicleId,
    [property: Id(3)] string Category,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset StartsAt,
    [property: Id(6)] DateTimeOffset EndsAt,
    [property: Id(7)] string Status,
    [property: Id(8)] long PriceAmount,
    [property: Id(9)] long CapturedAmount,
    [property: Id(10)] string Currency,
    [property: Id(11)] DateTimeOffset UpdatedAt);

/// <summary>
/// The bookings created on one UTC day (key "yyyy-MM-dd"), kept current by the reservation event
/// stream (ANA-2), so analytics never activates reservation grains.
/// </summary>
public interface IBookingDayGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<AnalyticsExport>> ListAsync();

    Task ClearAsync();
}

/// <summary>ANA-3: writes one newline-delimited JSON file per day, on a daily reminder.</summary>
public interface IBookingExportGrain : IGrainWithIntegerKey
{
    Task EnsureScheduledAsync();

    /// <returns>The path of the file written.</returns>
    Task<string> ExportDayAsync(DateOnly day);
}

public static class BookingStreams
{
    public const string Namespace = "booking-events";

    public static string DayKey(DateTimeOffset createdAt) => createdAt.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// ANA-3: the bookings created or changed on a day, each as it stood at that day's last event, so
    /// the night's file carries a cancellation or capture of a booking exported on an earlier night.
    /// </summary>
    public static string ChangedKey(DateTimeOffset changedAt) => "changed/" + DayKey(changedAt);
}

/// <summary>A day as it was stored whole before its bookings became rows; read only to move them.</summary>
[GenerateSerializer, Alias("caas.booking-day-state")]
public sealed class BookingDayState
{
    [Id(0)] public Dictionary<string, AnalyticsExport> Bookings { get; set; } = [];

    /// <summary>Per booking, the sequence of the newest event applied.</summary>
    [Id(1)] public Dictionary<string, long> Sequences { get; set; } = [];
}

/// <param name="Sequence">The booking event's entity sequence.</param>
[GenerateSerializer, Immutable, Alias("caas.sequenced-booking")]
public sealed record SequencedBooking([property: Id(0)] AnalyticsExport Booking, [property: Id(1)] long Sequence);

[GenerateSerializer, Alias("caas.booking-export-state")]
public sealed class BookingExportState
{
    [Id(0)] public DateOnly? LastExportedDay { get; set; }
}
