using System.Globalization;
using CaaS.Grains.Abstractions.Analytics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CaaS.ApiHost.Endpoints;

/// <summary>ANA-1: bookings created in [from, to), oldest first, in pages that a cursor continues.</summary>
public static class AnalyticsApi
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1_000;
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(92);

    public sealed record AnalyticsPage(IReadOnlyList<AnalyticsExport> Items, string? NextCursor);

    public static IEndpointRouteBuilder MapAnalyticsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/bookings/analytics", ListAsync).RequireAuthorization(Roles.Analytics)
            .WithTags("Analytics").WithName("ListBookings").WithSummary("Bookings created in [from, to), oldest first, paged by cursor (ANA-1)");
        return endpoints;
    }

    private static async Task<Results<Ok<AnalyticsPage>, ProblemHttpResult>> ListAsync(DateTimeOffset? from, DateTimeOffset? to, string? cursor, int? limit, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>();
        if (from is null || to is null || from >= to || to - from > MaxWindow)
        {
            errors["window"] = [$"from and to are required, from before to, at most {MaxWindow.TotalDays:0} days apart."];
        }

        if (limit is < 1 or > MaxPageSize)
        {
            errors["limit"] = [$"limit is 1 to {MaxPageSize}."];
        }

        var after = cursor is null ? null : KeysetCursor.Parse(cursor);
        if (cursor is not null && after is null)
        {
            errors["cursor"] = ["The cursor is not one this API issued."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // A cursor means the days before it were served already: only later days are read again.
        var firstDay = (after?.At > from ? after.Value.At : from!.Value).UtcDateTime.Date;
        var days = new List<string>();
        for (var day = firstDay; day <= to!.Value.UtcDateTime.Date; day = day.AddDays(1))
        {
            days.Add(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        var lists = await Task.WhenAll(days.Select(day => grains.GetGrain<IBookingDayGrain>(day).ListAsync()));
        var (page, next) = KeysetCursor.Page(lists.SelectMany(list => list).Where(booking => booking.CreatedAt >= from && booking.CreatedAt < to),
            booking => booking.CreatedAt, booking => booking.ReservationId, limit ?? DefaultPageSize, after);
        return TypedResults.Ok(new AnalyticsPage(page, next));
    }
}
