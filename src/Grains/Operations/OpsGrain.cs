using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Notifications;
using Orleans.Concurrency;

namespace CaaS.Grains.Operations;

/// <summary>
/// The front every flow and the admin API call (ADM-5): it holds nothing and routes to the item grains
/// and the shelves. A stateless worker, so it never waits on an inbox whose failure is being raised, and
/// its own grain type, because "ops" names the single grain whose stored list is moved out on first use.
/// </summary>
[StatelessWorker]
[GrainType("ops-front")]
public sealed class OpsGrain : Grain, IOpsGrain
{
    private static readonly OpsItemKind[] Kinds = Enum.GetValues<OpsItemKind>();

    /// <summary>Every call waits until the items the single grain stored have their own grains.</summary>
    public override Task OnActivateAsync(CancellationToken cancellationToken) => GrainFactory.GetGrain<ILegacyOpsGrain>(0).MigrateAsync();

    public async Task RaiseAsync(OpsItem item) => await Item(item.Id).RaiseAsync(item);

    public Task<IReadOnlyList<OpsItem>> ListAsync(OpsItemKind? kind = null) =>
        ShelvedAsync(OpsShelves.Open, kind is { } one ? [one] : Kinds, _ => true);

    public Task<IReadOnlyList<OpsItem>> ListResolvedAsync(OpsItemKind kind, DateOnly? from = null, DateOnly? to = null) =>
        ShelvedAsync(OpsShelves.Archive, [kind], shelf => OpsShelves.DayOf(shelf) is var day && (from is null || day >= from) && (to is null || day <= to));

    public Task<OpsItem?> GetAsync(string id) => string.IsNullOrEmpty(id) ? Task.FromResult<OpsItem?>(null) : Item(id).GetAsync();

    public Task<OpsItem> AcknowledgeAsync(string id, string actor) => Existing(id).AcknowledgeAsync(actor);

    public Task<OpsItem> ResolveAsync(string id, string actor, string resolution) => Existing(id).ResolveAsync(actor, resolution);

    public async Task<string?> DeadLetterBodyAsync(string id)
    {
        if (DeadLetterData.InboxKeyOf(id) is not { } inboxKey || await GetAsync(id) is not { Kind: OpsItemKind.DeadLetter } letter)
        {
            return null;
        }

        // A notification's body is its item's own; so is a webhook's stored before the body was kept once.
        return letter.Data.TryGetValue(DeadLetterData.Body, out var body) ? body
            : NotificationDeadLetters.Holds(letter) ? null
            : await GrainFactory.GetGrain<IWebhookInboxGrain>(inboxKey).BodyAsync();
    }

    public async Task<DateTimeOffset?> DeadLetterBodyDroppedAtAsync(string id) =>
        DeadLetterData.InboxKeyOf(id) is { } inboxKey && await GetAsync(id) is { Kind: OpsItemKind.DeadLetter } letter
            && !letter.Data.ContainsKey(DeadLetterData.Body) && !NotificationDeadLetters.Holds(letter)
            ? await GrainFactory.GetGrain<IWebhookInboxGrain>(inboxKey).BodyDroppedAtAsync()
            : null;

    private IOpsItemGrain Item(string id) => GrainFactory.GetGrain<IOpsItemGrain>(id);

    private IOpsItemGrain Existing(string id) =>
        string.IsNullOrEmpty(id) ? throw new DomainException(ErrorCodes.NotFound, "Ops item (no id) was not found.") : Item(id);

    /// <summary>Reads only the shelves a directory lists, all at once; oldest first, as the single grain listed them.</summary>
    private async Task<IReadOnlyList<OpsItem>> ShelvedAsync(string status, IEnumerable<OpsItemKind> kinds, Func<string, bool> wanted)
    {
        var shelves = (await Task.WhenAll(kinds.Select(kind => GrainFactory.GetGrain<IOpsShelfDirectoryGrain>(OpsShelves.DirectoryOf(status, kind)).ListAsync())))
            .SelectMany(keys => keys).Where(wanted);
        var items = await Task.WhenAll(shelves.Select(shelf => GrainFactory.GetGrain<IOpsShelfGrain>(shelf).ListAsync()));
        return [.. items.SelectMany(shelf => shelf).OrderBy(item => item.RaisedAt).ThenBy(item => item.Id, StringComparer.Ordinal)];
    }
}
