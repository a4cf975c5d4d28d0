using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Events;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Events;

/// <summary>A flow grain's state as storage knows it: its state name and key.</summary>
public sealed record WrittenFlow(string StateName, string Key)
{
    /// <summary>The flow grain that keeps this state; null for a state that is no flow's.</summary>
    public IFlowGrain? GrainIn(IGrainFactory grains) => StateName switch
    {
        "reservation" => grains.GetGrain<IReservationGrain>(Key),
        "factory-order" => grains.GetGrain<IFactoryOrderGrain>(Key),
        "service-purchase" => grains.GetGrain<IServicePurchaseGrain>(Key),
        "ota-command" => grains.GetGrain<IOtaCommandGrain>(Key),
        _ => null,
    };
}

/// <summary>Which flows storage wrote in a span of time. The embedded default's memory storage has none to tell: its silo's death takes the flows with it.</summary>
public interface IRecentlyWrittenFlows
{
    Task<IReadOnlyList<WrittenFlow>> WrittenAsync(DateTimeOffset after, DateTimeOffset through, CancellationToken cancellationToken = default);

    /// <summary>
    /// The states of one name last written from <paramref name="from"/> through <paramref name="through"/>, oldest
    /// first, at most <paramref name="limit"/>: for sweeps of what has lain untouched (SEC-7's webhook retention).
    /// </summary>
    Task<IReadOnlyList<(string Key, DateTimeOffset WrittenAt)>> LastWrittenAsync(string stateName, DateTimeOffset from, DateTimeOffset through, int limit,
        CancellationToken cancellationToken = default);
}

public sealed class NoWrittenFlows : IRecentlyWrittenFlows
{
    public Task<IReadOnlyList<WrittenFlow>> WrittenAsync(DateTimeOffset after, DateTimeOffset through, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<WrittenFlow>>([]);

    public Task<IReadOnlyList<(string Key, DateTimeOffset WrittenAt)>> LastWrittenAsync(string stateName, DateTimeOffset from, DateTimeOffset through, int limit,
        CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<(string Key, DateTimeOffset WrittenAt)>>([]);
}

/// <summary>
/// The second way unpublished entries are found again (the first is the flow's own activation): every
/// <see cref="EventsOptions.SweepEvery"/> it asks storage which flows were written since its last look
/// and touches each, which activates it where it is not active, and activation publishes what the
/// outbox still holds. One reminder for the cluster, one small write a sweep: nothing per transition.
/// </summary>
public sealed partial class OutboxSweepGrain(
    [PersistentState("outbox-sweep", StorageNames.Grains)] IPersistentState<OutboxSweepState> state,
    IRecentlyWrittenFlows written,
    IOptionsMonitor<EventsOptions> options,
    TimeProvider time,
    ILogger<OutboxSweepGrain> logger) : Grain, IOutboxSweepGrain, IRemindable
{
    private const string Sweep = "sweep";

    /// <summary>A write this recent may still be publishing on its own silo; the next sweep looks at it.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public async Task EnsureScheduledAsync()
    {
        if (await this.GetReminder(Sweep) is null)
        {
            var every = options.CurrentValue.SweepEvery;
            await this.RegisterOrUpdateReminder(Sweep, every, every);
        }
    }

    public Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status) => SweepAsync();

    public async Task<int> SweepAsync()
    {
        var through = time.GetUtcNow() - Settle;
        var after = state.State.SweptThrough ?? through - 2 * options.CurrentValue.SweepEvery;
        if (through <= after)
        {
            return 0;
        }

        var flows = await written.WrittenAsync(after, through);
        foreach (var chunk in flows.Chunk(64))
        {
            await Task.WhenAll(chunk.Select(flow => flow.GrainIn(GrainFactory)?.DescribeFlowAsync() ?? Task.FromResult<FlowMoved?>(null)));
        }

        state.State.SweptThrough = through;
        await state.WriteStateAsync();
        if (flows.Count > 0)
        {
            LogSwept(logger, flows.Count, after, through);
        }

        return flows.Count;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox sweep: touched {Count} flows written between {After} and {Through}")]
    private static partial void LogSwept(ILogger logger, int count, DateTimeOffset after, DateTimeOffset through);
}
