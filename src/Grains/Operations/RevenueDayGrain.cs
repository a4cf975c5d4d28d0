using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Operations;

/// <summary>
/// ADM-4: the money moved on one day, each movement once, however often and in whatever order the log
/// delivers it. Unlike the read models that keep an entity's newest word, every money event is a fact
/// of its own: a capture redelivered after a refund of the same flow (its reader died before
/// acknowledging it) still counts, so the ledger places applied are a set, not a high-water mark.
/// </summary>
public sealed class RevenueDayGrain(
    [PersistentState("revenue-day", StorageNames.Grains)] IPersistentState<RevenueDayState> state) : Grain, IRevenueDayGrain
{
    public Task<IReadOnlyList<MoneyMoved>> ListAsync() => Task.FromResult<IReadOnlyList<MoneyMoved>>([.. state.State.Movements.Values]);

    public async Task RecordAsync(IReadOnlyList<LedgeredMoney> moves)
    {
        var changed = false;
        foreach (var (moved, _) in moves)
        {
            // The movement id is the flow's step (its idempotency key): its ledger place, once.
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
        await state.WriteStateAsync();
    }
}
