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
}

[GenerateSerializer, Alias("caas.booking-day-state")]
public sealed class BookingDayState
{
    [Id(0)] public Dictionary<string, AnalyticsExport> Bookings { get; set; } = [];
}

[GenerateSerializer, Alias("caas.booking-export-state")]
public sealed class BookingExportState
{
    [Id(0)] public DateOnly? LastExportedDay { get; set; }
}
