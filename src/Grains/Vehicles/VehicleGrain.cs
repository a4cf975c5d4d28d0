using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Vehicles;

public sealed class VehicleGrain(
    [PersistentState("vehicle", StorageNames.Grains)] IPersistentState<VehicleState> state,
    TimeProvider time) : Grain, IVehicleGrain
{
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
}
