using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Analytics;

namespace CaaS.Grains.Analytics;

/// <summary>
/// The projection of ANA-1: one grain per booking day, kept by the log's booking events, the newest
/// of each booking by its sequence. The log's consumer hands it a batch and acknowledges once the
/// batch is written, so a silo that dies loses nothing: the unacknowledged batch comes again.
/// Reads are served from memory.
/// </summary>
public sealed class BookingDayGrain(
    [PersistentState("booking-day", StorageNames.Grains)] IPersistentState<BookingDayState> state) : Grain, IBookingDayGrain
{
    public Task<IReadOnlyList<AnalyticsExport>> ListAsync() => Task.FromResult<IReadOnlyList<AnalyticsExport>>([.. state.State.Bookings.Values]);

    public async Task UpsertAsync(IReadOnlyList<SequencedBooking> bookings)
    {
        var changed = false;
        foreach (var (booking, sequence) in bookings)
        {
            if (state.State.Sequences.GetValueOrDefault(booking.ReservationId) >= sequence)
            {
                continue;
            }

            state.State.Sequences[booking.ReservationId] = sequence;
            state.State.Bookings[booking.ReservationId] = booking;
            changed = true;
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task ClearAsync()
    {
        state.State.Bookings.Clear();
        state.State.Sequences.Clear();
        await state.WriteStateAsync();
    }
}
