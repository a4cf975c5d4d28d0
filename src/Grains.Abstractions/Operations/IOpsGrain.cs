namespace CaaS.Grains.Abstractions.Operations;

/// <summary>
/// What the flows raise for people: ops alerts, support tickets, risk items and dead letters (ADM-5),
/// each open until someone resolves it. Key 0, a stateless front: each item is a grain of its own
/// (<see cref="IOpsItemGrain"/>) and listings read small shelves (<see cref="OpsShelves"/>), so a raise
/// costs the same however many items exist.
/// </summary>
public interface IOpsGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Raising an open item again counts the occurrence and keeps the newest detail; raising a
    /// resolved one opens it again, because whatever it reports has happened again.
    /// </summary>
    Task RaiseAsync(OpsItem item);

    /// <summary>
    /// The open and acknowledged items of a kind (every kind when null), as the shelves hold them: a
    /// dead letter without its body (<see cref="DeadLetterBodyAsync"/>).
    /// </summary>
    Task<IReadOnlyList<OpsItem>> ListAsync(OpsItemKind? kind = null);

    /// <summary>Resolved items of a kind, by the UTC day they were resolved (both days included; every day when null).</summary>
    Task<IReadOnlyList<OpsItem>> ListResolvedAsync(OpsItemKind kind, DateOnly? from = null, DateOnly? to = null);

    /// <summary>
    /// A dead letter's raw body, from where it is kept once: a webhook's in its inbox, a notification's
    /// in its item. Null when no dead letter has this id.
    /// </summary>
    Task<string?> DeadLetterBodyAsync(string id);

    /// <summary>SEC-7: when a webhook dead letter's body was dropped after the retention; null while it is kept, or for a notification's.</summary>
    Task<DateTimeOffset?> DeadLetterBodyDroppedAtAsync(string id);

    /// <summary>Null when no item has this id.</summary>
    Task<OpsItem?> GetAsync(string id);

    /// <summary>Someone is on it. Acknowledging twice is harmless; a resolved item cannot be.</summary>
    Task<OpsItem> AcknowledgeAsync(string id, string actor);

    /// <summary>Done with it. Resolving twice keeps the first resolution.</summary>
    Task<OpsItem> ResolveAsync(string id, string actor, string resolution);
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

[GenerateSerializer, Alias("caas.ops-item-status")]
public enum OpsItemStatus
{
    Open = 0,
    Acknowledged = 1,
    Resolved = 2,
}

/// <summary>
/// An item as raised (the first eight members) and as people have handled it since. For a dead
/// letter, <see cref="Detail"/> is the processing error and <see cref="Data"/> holds the source and
/// the headers it came with; a notification's also its body (<see cref="DeadLetterData.Body"/>), which
/// a webhook's leaves in its inbox. <see cref="RaisedAt"/> is the first raise: it names the item's shelf.
/// </summary>
[GenerateSerializer, Immutable, Alias("caas.ops-item")]
public sealed record OpsItem(
    [property: Id(0)] string Id,
    [property: Id(1)] OpsItemKind Kind,
    [property: Id(2)] string Subject,
    [property: Id(3)] string Detail,
    [property: Id(4)] string? FlowKind,
    [property: Id(5)] string? FlowId,
    [property: Id(6)] DateTimeOffset RaisedAt,
    [property: Id(7)] IReadOnlyDictionary<string, string> Data)
{
    [Id(8)] public OpsItemStatus Status { get; init; }

    [Id(9)] public int Occurrences { get; init; } = 1;

    [Id(10)] public DateTimeOffset? LastRaisedAt { get; init; }

    [Id(11)] public string? AcknowledgedBy { get; init; }

    [Id(12)] public DateTimeOffset? AcknowledgedAt { get; init; }

    [Id(13)] public string? ResolvedBy { get; init; }

    [Id(14)] public DateTimeOffset? ResolvedAt { get; init; }

    [Id(15)] public string? Resolution { get; init; }
}

/// <summary>
/// The keys a dead letter's <see cref="OpsItem.Data"/> uses besides the headers it arrived with (WH-6).
/// Items stored before the body was kept once carry <see cref="Body"/> for webhooks too.
/// </summary>
public static class DeadLetterData
{
    public const string Body = "body";
    public const string Source = "source";
    public const string Attempts = "attempts";

    public static bool IsHeader(string key) => key is not (Body or Source or Attempts);

    /// <summary>The dead letter of one inbox (key "{source}:{message id}").</summary>
    public static string ItemId(string inboxKey) => $"dead-letter/{inboxKey}";

    public static string? InboxKeyOf(string itemId) => itemId.StartsWith("dead-letter/", StringComparison.Ordinal) ? itemId["dead-letter/".Length..] : null;
}

/// <summary>
/// Every item in one list, as the single ops grain stored it before items became grains of their own:
/// read once and moved into them (see LegacyOpsGrain), then left empty.
/// </summary>
[GenerateSerializer, Alias("caas.ops-state")]
public sealed class OpsState
{
    [Id(0)] public List<OpsItem> Items { get; set; } = [];
}
