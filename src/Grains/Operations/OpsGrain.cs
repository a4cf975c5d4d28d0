using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Operations;

public sealed partial class OpsGrain(
    [PersistentState("ops", StorageNames.Grains)] IPersistentState<OpsState> state,
    TimeProvider time,
    ILogger<OpsGrain> logger) : Grain, IOpsGrain
{
    private List<OpsItem> Items => state.State.Items;

    public async Task RaiseAsync(OpsItem item)
    {
        var index = Items.FindIndex(existing => existing.Id == item.Id);
        if (index < 0)
        {
            Items.Add(item with { Status = OpsItemStatus.Open, Occurrences = 1, LastRaisedAt = item.RaisedAt });
        }
        else
        {
            var known = Items[index];
            Items[index] = known with
            {
                Detail = item.Detail,
                Data = item.Data,
                Occurrences = known.Occurrences + 1,
                LastRaisedAt = item.RaisedAt,
                Status = known.Status == OpsItemStatus.Resolved ? OpsItemStatus.Open : known.Status,
                ResolvedBy = null,
                ResolvedAt = null,
                Resolution = known.Status == OpsItemStatus.Resolved ? $"reopened; earlier resolution: {known.Resolution}" : known.Resolution,
            };
        }

        await state.WriteStateAsync();
        LogRaised(item.Kind, item.Id, item.Subject, item.FlowKind, item.FlowId);
    }

    public Task<IReadOnlyList<OpsItem>> ListAsync(OpsItemKind? kind = null) =>
        Task.FromResult<IReadOnlyList<OpsItem>>([.. Items.Where(item => kind is null || item.Kind == kind)]);

    public Task<OpsItem?> GetAsync(string id) => Task.FromResult(Items.Find(item => item.Id == id));

    public async Task<OpsItem> AcknowledgeAsync(string id, string actor)
    {
        var (index, item) = Find(id);
        switch (item.Status)
        {
            case OpsItemStatus.Acknowledged:
                return item;
            case OpsItemStatus.Resolved:
                throw new DomainException(ErrorCodes.InvalidState, $"Ops item {id} is resolved already.");
        }

        Items[index] = item with { Status = OpsItemStatus.Acknowledged, AcknowledgedBy = actor, AcknowledgedAt = time.GetUtcNow() };
        await state.WriteStateAsync();
        LogHandled(id, OpsItemStatus.Acknowledged, actor);
        return Items[index];
    }

    public async Task<OpsItem> ResolveAsync(string id, string actor, string resolution)
    {
        var (index, item) = Find(id);
        if (item.Status == OpsItemStatus.Resolved)
        {
            return item;
        }

        Items[index] = item with { Status = OpsItemStatus.Resolved, ResolvedBy = actor, ResolvedAt = time.GetUtcNow(), Resolution = resolution };
        await state.WriteStateAsync();
        LogHandled(id, OpsItemStatus.Resolved, actor);
        return Items[index];
    }

    private (int Index, OpsItem Item) Find(string id)
    {
        var index = Items.FindIndex(item => item.Id == id);
        return index < 0 ? throw new DomainException(ErrorCodes.NotFound, $"Ops item {id} was not found.") : (index, Items[index]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ops {Kind} {ItemId}: {Subject} ({FlowKind} {FlowId})")]
    private partial void LogRaised(OpsItemKind kind, string itemId, string subject, string? flowKind, string? flowId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ops item {ItemId} {Status} by {Actor}")]
    private partial void LogHandled(string itemId, OpsItemStatus status, string actor);
}
