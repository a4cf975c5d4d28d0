using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Analytics;

namespace CaaS.Grains.Analytics;

/// <summary>
/// The API host's way to one booking day of ANA-1. The log's consumer writes the day's rows
/// (<see cref="IBookingDayRows"/>) and acknowledges once they are stored, so a silo that dies loses
/// nothing: the unacknowledged batch comes again. The grain's own state is where a day was kept
/// whole before the rows: a day still stored that way moves to the rows when it is first asked for.
/// </summary>
public sealed class BookingDayGrain(
    [PersistentState("booking-day", StorageNames.Grains)] IPersistentState<BookingDayState> legacy,
    IBookingDayRows rows) : Grain, IBookingDayGrain
{
    private string Day => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (legacy.State.Bookings.Count == 0)
        {
            return;
        }

        // The rows keep the newer of the two where the consumer has written the booking since.
        await rows.UpsertAsync(BookingDayRow.NewestOf(legacy.State.Bookings.Values.Select(booking =>
            new BookingDayRow(Day, new SequencedBooking(booking, legacy.State.Sequences.GetValueOrDefault(booking.ReservationId))))), cancellationToken);
        await legacy.ClearStateAsync(cancellationToken);
    }

    public Task<IReadOnlyList<AnalyticsExport>> ListAsync() => rows.ListAsync(Day);

    public async Task ClearAsync()
    {
        await rows.ClearAsync(Day);
        if (legacy.RecordExists)
        {
            await legacy.ClearStateAsync();
        }
    }
}
