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
    [property: Id(10)] DateTimeOffset? EndsAt = null,
    [property: Id(11)] long Sequence = 0)
{
    /// <summary>The moment from which silence counts against the flow.</summary>
    public DateTimeOffset ExpectedMoveBy => QuietUntil > MovedAt ? QuietUntil.Value : MovedAt;

    public bool IsStuck(DateTimeOffset now, TimeSpan threshold) => !Finished && now - ExpectedMoveBy > threshold;
}

/// <summary>A grain that carries a flow: its own word on where the flow is, whatever its events said.</summary>
public interface IFlowGrain : IGrainWithStringKey
{
    /// <summary>Null when the grain holds no flow.</summary>
    Task<FlowMoved?> DescribeFlowAsync();

    /// <summary>What the flow still owes the world (a void, a capture, a notification...): empty once it has nothing left to do.</summary>
    Task<IReadOnlyList<Flows.Obligation>> OwedAsync();

    /// <summary>
    /// A read model's rebuild (issue 14 point 4): the flow's current state goes to the log again as its
    /// newest event (same id and sequence), and its whole money ledger, for flows older than the log keeps.
    /// </summary>
    Task RepublishAsync();
}

/// <summary>
/// One partition of one kind's unfinished flows (key "{kind}/{partition}"), fed by the flow event
/// stream, so that "what is active" and "what is stuck" never activate the flow grains themselves.
/// </summary>
public interface IFlowIndexGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<FlowMoved>> ListAsync();

    /// <summary>Takes a flow's word as if its event had come: for events a crash lost on the way.</summary>
    Task ApplyAsync(FlowMoved moved);

    /// <summary>Forgets everything, for a rebuild from the log and the flows.</summary>
    Task ClearAsync();
}

public static class FlowIndex
{
    public const string Namespace = "flow-events";

    /// <summary>Enough to spread the writes of a busy kind over silos; a query reads them all at once.</summary>
    public const int Partitions = 8;

    public static string KeyOf(string kind, string flowId) => $"{kind}/{CaaS.Grains.Abstractions.Partitions.Of(flowId, Partitions)}";

    public static IEnumerable<string> KeysOf(string kind) => Enumerable.Range(0, Partitions).Select(partition => $"{kind}/{partition}");

    /// <summary>
    /// The flows of a kind (all kinds when null) stuck past the threshold, each confirmed by its own
    /// grain: events travel on memory streams, so a silo that dies can lose the one that finished a
    /// flow, and the index would call it stuck forever. What the grain says corrects the index.
    /// </summary>
    public static async Task<IReadOnlyList<FlowMoved>> StuckAsync(IGrainFactory grains, string? kind, DateTimeOffset now, TimeSpan threshold)
    {
        var candidates = (await Task.WhenAll((kind is null ? FlowKinds.All : [kind]).Select(one => ListAsync(grains, one))))
            .SelectMany(flows => flows).Where(flow => flow.IsStuck(now, threshold)).ToList();
        var confirmed = await Task.WhenAll(candidates.Select(async candidate =>
        {
            var current = await GrainOf(grains, candidate.Kind, candidate.FlowId).DescribeFlowAsync()
                          ?? candidate with { Finished = true, State = "Unknown", MovedAt = now };
            if (current != candidate)
            {
                await grains.GetGrain<IFlowIndexGrain>(KeyOf(candidate.Kind, candidate.FlowId)).ApplyAsync(current);
            }

            return current;
        }));
        return [.. confirmed.Where(flow => flow.IsStuck(now, threshold))];
    }

    public static IFlowGrain GrainOf(IGrainFactory grains, string kind, string flowId) => kind switch
    {
        FlowKinds.Rental => grains.GetGrain<Rentals.IReservationGrain>(flowId),
        FlowKinds.FactoryOrder => grains.GetGrain<Orders.IFactoryOrderGrain>(flowId),
        FlowKinds.ServicePurchase => grains.GetGrain<Services.IServicePurchaseGrain>(flowId),
        FlowKinds.OtaCommand => grains.GetGrain<Services.IOtaCommandGrain>(flowId),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a flow kind"),
    };

    /// <summary>Every flow of a kind the index holds, read from all partitions at once.</summary>
    public static async Task<IReadOnlyList<FlowMoved>> ListAsync(IGrainFactory grains, string kind)
    {
        var partitions = await Task.WhenAll(KeysOf(kind).Select(key => grains.GetGrain<IFlowIndexGrain>(key).ListAsync()));
        return [.. partitions.SelectMany(partition => partition)];
    }
}

/// <summary>A partition as it was stored whole before its flows became rows; read only to move them.</summary>
[GenerateSerializer, Alias("caas.flow-index-state")]
public sealed class FlowIndexState
{
    [Id(0)] public Dictionary<string, FlowMoved> Open { get; set; } = [];
}
