using CaaS.Grains.Abstractions.Analytics;

namespace CaaS.Grains.Analytics;

/// <summary>
/// ANA-1's booking days as one row per booking and day (issue 18): a batch of the log writes the
/// bookings it carries, never the whole day again. Each row keeps the newest event by sequence, so a
/// batch the log delivers again changes nothing.
/// </summary>
public interface IBookingDayRows : Operations.IReadModelRows<AnalyticsExport>
{
    /// <summary>Returns once every row is stored; a row is left alone when its day holds the booking at the same or a newer sequence.</summary>
    Task UpsertAsync(IReadOnlyList<BookingDayRow> rows, CancellationToken cancellationToken = default);
}

/// <param name="Day">A <see cref="BookingStreams"/> key: the day the booking was created, or changed.</param>
public sealed record BookingDayRow(string Day, SequencedBooking Booking)
{
    /// <summary>
    /// One row per booking and day, the newest of a batch, in key order: a statement may touch a row
    /// only once, and writers that take rows in one order cannot deadlock each other.
    /// </summary>
    public static IReadOnlyList<BookingDayRow> NewestOf(IEnumerable<BookingDayRow> rows) =>
        [.. rows.GroupBy(row => (row.Day, row.Booking.Booking.ReservationId))
            .Select(same => same.MaxBy(row => row.Booking.Sequence)!)
            .OrderBy(row => row.Day, StringComparer.Ordinal).ThenBy(row => row.Booking.Booking.ReservationId, StringComparer.Ordinal)];
}

/// <summary>The embedded default's rows: in the silo's memory, like its grain storage, and lost with it.</summary>
public sealed class InMemoryBookingDayRows : IBookingDayRows
{
    private readonly Dictionary<string, Dictionary<string, SequencedBooking>> _days = new(StringComparer.Ordinal);

    public Task UpsertAsync(IReadOnlyList<BookingDayRow> rows, CancellationToken cancellationToken = default)
    {
        lock (_days)
        {
            foreach (var (day, booking) in rows)
            {
                if (!_days.TryGetValue(day, out var bookings))
                {
                    _days[day] = bookings = new Dictionary<string, SequencedBooking>(StringComparer.Ordinal);
                }

                if (!bookings.TryGetValue(booking.Booking.ReservationId, out var known) || known.Sequence < booking.Sequence)
                {
                    bookings[booking.Booking.ReservationId] = booking;
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AnalyticsExport>> ListAsync(string day, CancellationToken cancellationToken = default)
    {
        lock (_days)
        {
            return Task.FromResult<IReadOnlyList<AnalyticsExport>>(_days.TryGetValue(day, out var bookings)
                ? [.. bookings.Values.Select(booking => booking.Booking)]
                : []);
        }
    }

    public Task ClearAsync(string day, CancellationToken cancellationToken = default)
    {
        lock (_days)
        {
            _days.Remove(day);
        }

        return Task.CompletedTask;
    }
}
