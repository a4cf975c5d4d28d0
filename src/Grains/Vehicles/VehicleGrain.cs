using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Vehicles;

public sealed class VehicleGrain(
    [PersistentState("vehicle", StorageNames.Grains)] IPersistentState<VehicleState> state,
    TimeProvider time) : Grain, IVehicleGrain
{
    /// <summary>Past timeslots are dropped after a day so a vehicle's state does not grow with its life.</summary>
    private static readonly TimeSpan KeepPastSlots = TimeSpan.FromDays(1);

    public Task<VehicleSnapshot?> GetAsync() =>
        Task.FromResult(state.RecordExists ? state.State.ToSnapshot() : null);

    public async Task<StatusChangeOutcome> ReportStatusAsync(VehicleStatusReport report)
    {
        state.State.Vin = this.GetPrimaryKeyString();
        var outcome = VehicleRules.Apply(state.State, report, time.GetUtcNow());
        if (outcome != StatusChangeOutcome.Stale)
        {
            await state.WriteStateAsync();
        }

        return outcome;
    }

    public async Task<HoldOutcome> HoldAsync(string reservationId, DateTimeOffset from, DateTimeOffset to, VehicleStatus fleetStatus)
    {
        var slots = state.State.Timeslots;
        if (slots.Any(slot => slot.Owner == reservationId))
        {
            return HoldOutcome.Held;
        }

        if (!VehicleRules.IsRentable(state.State, fleetStatus))
        {
            return HoldOutcome.NotRentable;
        }

        if (slots.Any(slot => slot.Overlaps(from, to)))
        {
            return HoldOutcome.Taken;
        }

        state.State.Vin = this.GetPrimaryKeyString();
        slots.RemoveAll(slot => slot.To < time.GetUtcNow() - KeepPastSlots);
        slots.Add(new Timeslot(reservationId, from, to, TimeslotKind.Reservation));
        await state.WriteStateAsync();
        return HoldOutcome.Held;
    }

    public async Task ReleaseAsync(string reservationId)
    {
        if (state.State.Timeslots.RemoveAll(slot => slot.Owner == reservationId) > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public Task<bool> IsFreeAsync(DateTimeOffset from, DateTimeOffset to, VehicleStatus fleetStatus) =>
        Task.FromResult(VehicleRules.IsRentable(state.State, fleetStatus) && !state.State.Timeslots.Any(slot => slot.Overlaps(from, to)));

    public async Task<IReadOnlyList<string>> ScheduleMaintenanceAsync(string eventId, DateTimeOffset from, DateTimeOffset to)
    {
        var slots = state.State.Timeslots;
        var owner = "maintenance:" + eventId;
        var overlapped = slots.Where(slot => slot.Kind == TimeslotKind.Reservation && slot.Overlaps(from, to)).Select(slot => slot.Owner).ToArray();
        if (!slots.Any(slot => slot.Owner == owner))
        {
            state.State.Vin = this.GetPrimaryKeyString();
            slots.Add(new Timeslot(owner, from, to, TimeslotKind.Maintenance));
            await state.WriteStateAsync();
        }

        return overlapped;
    }

    public Task<IReadOnlyList<Timeslot>> GetTimeslotsAsync() => Task.FromResult<IReadOnlyList<Timeslot>>([.. state.State.Timeslots]);

    public async Task AssignOwnerAsync(string customerId, string orderId, string model, TransitionCause cause)
    {
        if (state.State.OwnerId == customerId)
        {
            return;
        }

        if (state.State.OwnerId is not null)
        {
            throw new DomainException(ErrorCodes.InvalidState, $"Vehicle {this.GetPrimaryKeyString()} already belongs to another customer.");
        }

        state.State.Vin = this.GetPrimaryKeyString();
        state.State.OwnerId = customerId;
        state.State.Model ??= model;
        state.State.Category ??= "car";
        TransitionHistory.Append(state.State.History, TransitionHistory.Record(time.GetUtcNow(), "Unowned", "Owned", cause with { Reason = $"{cause.Reason} (order {orderId})" }));
        await state.WriteStateAsync();
    }
}
