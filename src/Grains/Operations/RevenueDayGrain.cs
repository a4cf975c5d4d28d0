using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Operations;

/// <summary>
/// ADM-4: the money moved on one day, each movement once, however often and in whatever order the log
/// delivers it. Unlike the read models that keep an entity's newest word, every money event is a fact
/// of its own: a capture redelivered after a refund of the same flow (its reader died before
/// acknowledging it) still counts, so movements are kept by id, not by a high-water mark. The log's
/// consumer writes the rows (<see cref="IRevenueDayRows"/>); the grain's own state is where a day was
/// kept whole before them, and a day still stored that way moves to the rows when it is first asked for.
/// </summary>
public sealed class RevenueDayGrain(
    [PersistentState("revenue-day", StorageNames.Grains)] IPersistentState<RevenueDayState> legacy,
    IRevenueDayRows rows) : Grain, IRevenueDayGrain
{
    private string Day => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (legacy.State.Movements.Count == 0)
        {
            return;
        }

        await rows.RecordAsync([.. legacy.State.Movements.Values], cancellationToken);
        await legacy.ClearStateAsync(cancellationToken);
    }

    public Task<IReadOnlyList<MoneyMoved>> ListAsync() => rows.ListAsync(Day);

    public async Task ClearAsync()
    {
        await rows.ClearAsync(Day);
        if (legacy.RecordExists)
        {
            await legacy.ClearStateAsync();
        }
    }
}
