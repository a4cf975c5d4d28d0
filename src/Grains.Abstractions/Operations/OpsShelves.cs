using System.Globalization;

namespace CaaS.Grains.Abstractions.Operations;

/// <summary>
/// One ops item (key: its id, such as "payment-failed/{id}" or "dead-letter/{source}:{message id}"),
/// the truth about it. Only this grain's own state is read and written by a raise, an acknowledgement
/// or a resolution, besides the one shelf it belongs on.
/// </summary>
public interface IOpsItemGrain : IGrainWithStringKey
{
    /// <summary>The item as it is after this raise (see <see cref="IOpsGrain.RaiseAsync"/>).</summary>
    Task<OpsItem> RaiseAsync(OpsItem item);

    Task<OpsItem?> GetAsync();

    Task<OpsItem> AcknowledgeAsync(string actor);

    Task<OpsItem> ResolveAsync(string actor, string resolution);

    /// <summary>Takes an item as the single ops grain stored it, unless this grain holds one already.</summary>
    Task ImportAsync(OpsItem item);
}

/// <summary>
/// A shelf of items of one kind and UTC day, one of <see cref="OpsShelves.Partitions"/> per day: open and
/// acknowledged items by the day first raised ("open/{kind}/{day}/{partition}"), resolved ones by the day
/// resolved ("archive/..."). Items are kept without a dead letter's body. Putting what is there already
/// and removing what is not write nothing, so an item grain may assert its place as often as it likes.
/// </summary>
public interface IOpsShelfGrain : IGrainWithStringKey
{
    Task PutAsync(OpsItem item);

    Task RemoveAsync(string id);

    Task<IReadOnlyList<OpsItem>> ListAsync();
}

/// <summary>
/// The shelves of one status and kind ("open/{kind}", "archive/{kind}") that hold any item, so a listing
/// reads those only. Written only when a shelf turns non-empty or empty.
/// </summary>
public interface IOpsShelfDirectoryGrain : IGrainWithStringKey
{
    Task AddAsync(string shelf);

    Task RemoveAsync(string shelf);

    Task<IReadOnlyList<string>> ListAsync();
}

public static class OpsShelves
{
    public const string Open = "open";
    public const string Archive = "archive";

    /// <summary>A storm of one kind in one day (dead letters while a dependency is down) spreads over this many shelves.</summary>
    public const int Partitions = 8;

    public static string DirectoryOf(string status, OpsItemKind kind) => $"{status}/{kind}";

    /// <summary>The directory that lists a shelf: its status and kind.</summary>
    public static string DirectoryOf(string shelf) => shelf[..shelf.IndexOf('/', shelf.IndexOf('/') + 1)];

    /// <summary>Where an open or acknowledged item is listed: by the day it was first raised, which a raise again keeps.</summary>
    public static string OpenShelfOf(OpsItem item) => ShelfOf(Open, item.Kind, item.RaisedAt, item.Id);

    /// <summary>Where a resolved item is listed: by the day it was resolved.</summary>
    public static string ArchiveShelfOf(OpsItem item) =>
        ShelfOf(Archive, item.Kind, item.ResolvedAt ?? throw new InvalidOperationException($"Ops item {item.Id} is not resolved."), item.Id);

    /// <summary>The UTC day a shelf key names.</summary>
    public static DateOnly DayOf(string shelf) => DateOnly.ParseExact(shelf.Split('/')[2], "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The item as a shelf keeps it: without a dead letter's body, which is kept once elsewhere.</summary>
    public static OpsItem Shelved(OpsItem item) =>
        item.Data.ContainsKey(DeadLetterData.Body) ? item with { Data = item.Data.Where(pair => pair.Key != DeadLetterData.Body).ToDictionary() } : item;

    /// <summary>Record equality compares <see cref="OpsItem.Data"/> by reference; this compares its pairs.</summary>
    public static bool Same(OpsItem left, OpsItem right) =>
        left with { Data = NoData } == right with { Data = NoData }
        && left.Data.Count == right.Data.Count
        && left.Data.All(pair => right.Data.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private static readonly IReadOnlyDictionary<string, string> NoData = new Dictionary<string, string>();

    private static string ShelfOf(string status, OpsItemKind kind, DateTimeOffset at, string id) =>
        $"{status}/{kind}/{at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}/{CaaS.Grains.Abstractions.Partitions.Of(id, Partitions)}";
}

[GenerateSerializer, Alias("caas.ops-item-state")]
public sealed class OpsItemState
{
    [Id(0)] public OpsItem? Item { get; set; }

    /// <summary>The archive shelf the item was last put on: a reopened item is taken off it.</summary>
    [Id(1)] public string? Archive { get; set; }
}

[GenerateSerializer, Alias("caas.ops-shelf-state")]
public sealed class OpsShelfState
{
    [Id(0)] public Dictionary<string, OpsItem> Items { get; set; } = [];
}

[GenerateSerializer, Alias("caas.ops-shelf-directory-state")]
public sealed class OpsShelfDirectoryState
{
    /// <summary>Ordinal order, each once.</summary>
    [Id(0)] public List<string> Shelves { get; set; } = [];
}
