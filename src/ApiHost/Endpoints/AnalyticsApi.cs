using System.Globalization;
using System.Text;
using CaaS.Grains.Abstractions.Analytics;

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
        endpoints.MapGet("/api/bookings/analytics", ListAsync).RequireAuthorization(Roles.Analytics);
        return endpoints;
    }

    private static async Task<IResult> ListAsync(DateTimeOffset? from, DateTimeOffset? to, string? cursor, int? limit, IGrainFactory grains)
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

        var after = cursor is null ? null : Cursor.Parse(cursor);
        if (cursor is not null && after is null)
        {
            errors["cursor"] = ["The cursor is not one this API issued."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // A cursor means the days before it were served already: only later days are read again.
        var firstDay = (after?.CreatedAt > from ? after.Value.CreatedAt : from!.Value).UtcDateTime.Date;
        var days = new List<string>();
        for (var day = firstDay; day <= to!.Value.UtcDateTime.Date; day = day.AddDays(1))
        {
            days.Add(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        var lists = await Task.WhenAll(days.Select(day => grains.GetGrain<IBookingDayGrain>(day).ListAsync()));
        var size = limit ?? DefaultPageSize;
        var page = lists.SelectMany(list => list)
            .Where(booking => booking.CreatedAt >= from && booking.CreatedAt < to)
            .OrderBy(booking => booking.CreatedAt).ThenBy(booking => booking.ReservationId, StringComparer.Ordinal)
            .Where(booking => after is null || booking.CreatedAt > after.Value.CreatedAt
                || (booking.CreatedAt == after.Value.CreatedAt && string.CompareOrdinal(booking.ReservationId, after.Value.Id) > 0))
            .Take(size + 1)
            .ToList();
        var next = page.Count > size ? Cursor.Of(page[size - 1]) : null;
        return Results.Ok(new AnalyticsPage(page.Take(size).ToList(), next));
    }

    /// <summary>Keyset paging: the position after the last item served, so pages stay stable while bookings are added.</summary>
    private static class Cursor
    {
        public static string Of(AnalyticsExport booking) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{booking.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{booking.ReservationId}"))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static (DateTimeOffset CreatedAt, string Id)? Parse(string cursor)
        {
            try
            {
                var padded = cursor.Replace('-', '+').Replace('_', '/');
                padded += new string('=', (4 - (padded.Length % 4)) % 4);
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('|', 2);
                return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                    && ticks <= DateTimeOffset.MaxValue.UtcTicks
                    ? (new DateTimeOffset(ticks, TimeSpan.Zero), parts[1])
                    : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
