using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Operations;

namespace CaaS.Grains.Analytics;

/// <summary>
/// The projection of ANA-1: one grain per booking day, subscribed implicitly to that day's stream, so
/// it wakes up on the first event and keeps the latest record of each booking.
/// </summary>
[ImplicitStreamSubscription(BookingStreams.Namespace)]
public sealed class BookingDayGrain(
    [PersistentState("booking-day", StorageNames.Grains)] IPersistentState<BookingDayState> state) : Grain, IBookingDayGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        this.SubscribeOwnStreamAsync<AnalyticsExport>(BookingStreams.Namespace, UpsertAsync);

    public Task<IReadOnlyList<AnalyticsExport>> ListAsync() => Task.FromResult<IReadOnlyList<AnalyticsExport>>([.. state.State.Bookings.Values]);

    private async Task UpsertAsync(AnalyticsExport booking)
    {
        // Stream delivery may repeat or reorder: the newer record of a booking wins.
        if (state.State.Bookings.TryGetValue(booking.ReservationId, out var known) && known.UpdatedAt > booking.UpdatedAt)
        {
            return;
        }

        state.State.Bookings[booking.ReservationId] = booking;
        await state.WriteStateAsync();
    }
}
