using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace CaaS.Grains.Operations;

/// <summary>
/// Publishing a flow's events to the read models (bookings, the flow index, revenue). A read model
/// must never fail the flow that feeds it, so a failed publication is logged, not thrown; the flows
/// publish again on their next save and the projections ignore what they have seen.
/// </summary>
public static partial class Projections
{
    public static async Task PublishAsync<T>(this Grain grain, string streamNamespace, string key, T item, ILogger logger)
    {
        try
        {
            await grain.GetStreamProvider(CaaSStreams.Provider).GetStream<T>(StreamId.Create(streamNamespace, key)).OnNextAsync(item);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogPublishFailed(logger, exception, streamNamespace, key);
        }
    }

    public static Task PublishFlowAsync(this Grain grain, FlowMoved moved, ILogger logger) =>
        grain.PublishAsync(FlowIndex.Namespace, FlowIndex.KeyOf(moved.Kind, moved.FlowId), moved, logger);

    /// <summary>The whole ledger of the flow goes out each time, so a move whose publication a crash lost is sent with the next save.</summary>
    public static async Task PublishMoneyAsync(this Grain grain, IEnumerable<MoneyMoved> ledger, ILogger logger)
    {
        foreach (var moved in ledger)
        {
            await grain.PublishAsync(RevenueStreams.Namespace, RevenueStreams.DayKey(moved.At), moved, logger);
        }
    }

    /// <summary>Subscribes a projection grain to the implicit stream that carries its own key.</summary>
    public static Task SubscribeOwnStreamAsync<T>(this Grain grain, string streamNamespace, Func<T, Task> onNext) =>
        grain.GetStreamProvider(CaaSStreams.Provider)
            .GetStream<T>(StreamId.Create(streamNamespace, grain.GetPrimaryKeyString()))
            .SubscribeAsync((item, _) => onNext(item));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing to {StreamNamespace}/{Key} failed; the read model catches up on the next event")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string streamNamespace, string key);
}
