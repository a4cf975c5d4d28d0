using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Analytics;

/// <summary>
/// The projection of ANA-1: one grain per booking day, subscribed implicitly to that day's stream, so
/// it wakes up on the first event and keeps the latest record of each booking.
/// <para>
/// Reads are served from memory, so they see every event at once; the write is delayed by
/// Analytics:ProjectionWriteDelay and carries every event of that delay, and whatever is unwritten is
/// written when the grain deactivates. A silo that dies loses at most that delay's events, as it
/// already loses the events still queued in its memory stream (a write per event would store the
/// whole day each time, so booking creation would slow with every booking of the day).
/// </para>
/// </summary>
[ImplicitStreamSubscription(BookingStreams.Namespace)]
public sealed class BookingDayGrain(
    [PersistentState("booking-day", StorageNames.Grains)] IPersistentState<BookingDayState> state,
    IOptionsMonitor<AnalyticsOptions> options) : Grain, IBookingDayGrain
{
    private IGrainTimer? _pendingWrite;

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        this.SubscribeOwnStreamAsync<AnalyticsExport>(BookingStreams.Namespace, UpsertAsync);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => WriteAsync();

    public Task<IReadOnlyList<AnalyticsExport>> ListAsync() => Task.FromResult<IReadOnlyList<AnalyticsExport>>([.. state.State.Bookings.Values]);

    private Task UpsertAsync(AnalyticsExport booking)
    {
        // Stream delivery may repeat or reorder: the newer record of a booking wins.
        if (state.State.Bookings.TryGetValue(booking.ReservationId, out var known) && known.UpdatedAt > booking.UpdatedAt)
        {
            return Task.CompletedTask;
        }

        state.State.Bookings[booking.ReservationId] = booking;
        WriteLater();
        return Task.CompletedTask;
    }

    private void WriteLater() =>
        _pendingWrite ??= this.RegisterGrainTimer(_ => WriteAsync(), new GrainTimerCreationOptions(options.CurrentValue.ProjectionWriteDelay, Timeout.InfiniteTimeSpan));

    private async Task WriteAsync()
    {
        if (_pendingWrite is null)
        {
            return;
        }

        _pendingWrite.Dispose();
        _pendingWrite = null;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Still unwritten: try again after another delay rather than wait for the next event.
            WriteLater();
            throw;
        }
    }
}
