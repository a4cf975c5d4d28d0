namespace CaaS.Grains.Abstractions.Operations;

/// <summary>
/// What the flows raise for people: ops alerts, support tickets and dead letters (ADM). One grain
/// holds the open items; it is small because items are few and are resolved.
/// </summary>
public interface IOpsGrain : IGrainWithIntegerKey
{
    /// <summary>Raising an item with an id already raised is harmless.</summary>
    Task RaiseAsync(OpsItem item);

    Task<IReadOnlyList<OpsItem>> ListAsync(OpsItemKind? kind = null);
}

[GenerateSerializer, Alias("caas.ops-item-kind")]
public enum OpsItemKind
{
    Alert = 0,
    SupportTicket = 1,
    DeadLetter = 2,
    /// <summary>PAY-6: money the platform assumed it would get and did not.</summary>
    RiskItem = 3,
}

[GenerateSerializer, Immutable, Alias("caas.ops-item")]
public sealed record OpsItem(
    [property: Id(0)] string Id,
    [property: Id(1)] OpsItemKind Kind,
    [property: Id(2)] string Subject,
    [property: Id(3)] string Detail,
    [property: Id(4)] string? FlowKind,
    [property: Id(5)] string? FlowId,
    [property: Id(6)] DateTimeOffset RaisedAt,
    [property: Id(7)] IReadOnlyDictionary<string, string> Data);

[GenerateSerializer, Alias("caas.ops-state")]
public sealed class OpsState
{
    [Id(0)] public List<OpsItem> Items { get; set; } = [];
}
