using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Operations;

/// <summary>
/// ADM-4: the money moved on one day, each movement once, however often the log delivers it: a
/// flow's money event at or below the ledger place already applied is a repeat.
/// </summary>
public sealed class RevenueDayGrain(
    [PersistentState("revenue-day", StorageNames.Grains)] IPersistentState<RevenueDayState> state) : Grain, IRevenueDayGrain
{
    public Task<IReadOnlyList<MoneyMoved>> ListAsync() => Task.FromResult<IReadOnlyList<MoneyMoved>>([.. state.State.Movements.Values]);

    public async Task RecordAsync(IReadOnlyList<LedgeredMoney> moves)
    {
        var changed = false;
        foreach (var (moved, sequence) in moves)
        {
            if (state.State.Applied.GetValueOrDefault(moved.FlowId) >= sequence)
            {
                continue;
            }

            state.State.Applied[moved.FlowId] = sequence;
            changed |= state.State.Movements.TryAdd(moved.MovementId, moved);
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task ClearAsync()
    {
        state.State.Movements.Clear();
        state.State.Applied.Clear();
        await state.WriteStateAsync();
    }
}
