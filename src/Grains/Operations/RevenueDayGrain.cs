using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Operations;

/// <summary>ADM-4: the money moved on one day, each movement once, whatever the stream repeats.</summary>
[ImplicitStreamSubscription(RevenueStreams.Namespace)]
public sealed class RevenueDayGrain(
    [PersistentState("revenue-day", StorageNames.Grains)] IPersistentState<RevenueDayState> state) : Grain, IRevenueDayGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        this.SubscribeOwnStreamAsync<MoneyMoved>(RevenueStreams.Namespace, RecordAsync);

    public Task<IReadOnlyList<MoneyMoved>> ListAsync() => Task.FromResult<IReadOnlyList<MoneyMoved>>([.. state.State.Movements.Values]);

    private async Task RecordAsync(MoneyMoved moved)
    {
        if (state.State.Movements.TryAdd(moved.MovementId, moved))
        {
            await state.WriteStateAsync();
        }
    }
}
