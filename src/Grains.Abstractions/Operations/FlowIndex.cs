namespace CaaS.Grains.Abstractions.Operations;

/// <summary>The long-running flows operators follow (ADM-1, ADM-5), by the names the admin API uses.</summary>
public static class FlowKinds
{
    public const string Rental = "rental";
    public const string FactoryOrder = "factoryOrder";
    public const string ServicePurchase = "servicePurchase";
    public const string OtaCommand = "otaCommand";

    public static readonly IReadOnlyList<string> All = [Rental, FactoryOrder, ServicePurchase, OtaCommand];
}

/// <summary>
/// A flow moved (or was touched): what the flow grains publish after each persisted transition, and
/// what the index keeps of every unfinished flow.
/// </summary>
/// <param name="QuietUntil">Until when not moving is expected (a rental's end, a promised completion
/// date, the last OTA attempt's deadline): a flow is stuck only once this has passed too.</param>
[GenerateSerializer, Immutable, Alias("caas.flow-moved")]
public sealed record FlowMoved(
    [property: Id(0)] string Kind,
    [property: Id(1)] string FlowId,
    [property: Id(2)] string State,
    [property: Id(3)] bool Finished,
    [property: Id(4)] DateTimeOffset MovedAt,
    [property: Id(5)] DateTimeOffset? QuietUntil = null,
    [property: Id(6)] string? CustomerId = null,
    [property: Id(7)] string? Vin = null,
    [property: Id(8)] string? VehicleId = null,
    [property: Id(9)] DateTimeOffset? StartsAt = null,
    [property: Id(10)] DateTimeOffset? EndsAt = null)
{
    /// <summary>The moment from which silence counts against the flow.</summary>
    public DateTimeOffset ExpectedMoveBy => QuietUntil > MovedAt ? QuietUntil.Value : MovedAt;

    public bool IsStuck(DateTimeOffset now, TimeSpan threshold) => !Finished && now - ExpectedMoveBy > threshold;
}

/// <summary>
/// One partition of one kind's unfinished flows (key "{kind}/{partition}"), fed by the flow event
/// stream, so that "what is active" and "what is stuck" never activate the flow grains themselves.
/// </summary>
public interface IFlowIndexGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<FlowMoved>> ListAsync();
}

public static class FlowIndex
{
    public const string Namespace = "flow-events";

    /// <summary>Enough to spread the writes of a busy kind over silos; a query reads them all at once.</summary>
    public const int Partitions = 8;

    public static string KeyOf(string kind, string flowId) => $"{kind}/{CaaS.Grains.Abstractions.Partitions.Of(flowId, Partitions)}";

    public static IEnumerable<string> KeysOf(string kind) => Enumerable.Range(0, Partitions).Select(partition => $"{kind}/{partition}");

    /// <summary>Every flow of a kind the index holds, read from all partitions at once.</summary>
    public static async Task<IReadOnlyList<FlowMoved>> ListAsync(IGrainFactory grains, string kind)
    {
        var partitions = await Task.WhenAll(KeysOf(kind).Select(key => grains.GetGrain<IFlowIndexGrain>(key).ListAsync()));
        return [.. partitions.SelectMany(partition => partition)];
    }
}

[GenerateSerializer, Alias("caas.flow-index-state")]
public sealed class FlowIndexState
{
    [Id(0)] public Dictionary<string, FlowMoved> Open { get; set; } = [];
}
