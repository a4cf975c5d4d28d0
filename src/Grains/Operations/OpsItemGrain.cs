using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Operations;

/// <summary>
/// One ops item and its place on the shelves (ADM-5). The item is written before any shelf: it is the
/// truth, so a crash in between leaves at worst an item missing from a listing, or listed with its old
/// status, until its next call puts it right (<see cref="PlacedAsync"/>); the other order could list an
/// item that was never stored, which nobody could then acknowledge or resolve.
/// </summary>
public sealed partial class OpsItemGrain(
    [PersistentState("ops-item", StorageNames.Grains)] IPersistentState<OpsItemState> state,
    TimeProvider time,
    ILogger<OpsItemGrain> logger) : Grain, IOpsItemGrain
{
    // False until this activation has seen the shelves agree with the state. A new activation after a
    // crash starts false, and so does one whose shelf call failed, so the next call repairs first.
    private bool _placed;

    public async Task<OpsItem> RaiseAsync(OpsItem item)
    {
        if (item.Id != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"Ops item {item.Id} raised on the grain of {this.GetPrimaryKeyString()}.", nameof(item));
        }

        await PlacedAsync();
        var raised = OpsItemRules.Raised(state.State.Item, item);
        await SaveAsync(raised);
        LogRaised(item.Kind, item.Id, item.Subject, item.FlowKind, item.FlowId);
        return raised;
    }

    public async Task<OpsItem?> GetAsync()
    {
        await PlacedAsync();
        return state.State.Item;
    }

    public async Task<OpsItem> AcknowledgeAsync(string actor)
    {
        await PlacedAsync();
        var item = Known();
        var acknowledged = OpsItemRules.Acknowledged(item, actor, time.GetUtcNow());
        if (!ReferenceEquals(acknowledged, item))
        {
            await SaveAsync(acknowledged);
            LogHandled(item.Id, OpsItemStatus.Acknowledged, actor);
        }

        return acknowledged;
    }

    public async Task<OpsItem> ResolveAsync(string actor, string resolution)
    {
        await PlacedAsync();
        var item = Known();
        var resolved = OpsItemRules.Resolved(item, actor, resolution, time.GetUtcNow());
        if (!ReferenceEquals(resolved, item))
        {
            await SaveAsync(resolved);
            LogHandled(item.Id, OpsItemStatus.Resolved, actor);
        }

        return resolved;
    }

    public async Task ImportAsync(OpsItem item)
    {
        await PlacedAsync();
        if (state.State.Item is null)
        {
            // The single grain's resolved items all carry ResolvedAt; a shelf needs a day even if one did not.
            await SaveAsync(item.Status == OpsItemStatus.Resolved ? item with { ResolvedAt = item.ResolvedAt ?? item.LastRaisedAt ?? item.RaisedAt } : item);
        }
    }

    private OpsItem Known() => state.State.Item ?? throw new DomainException(ErrorCodes.NotFound, $"Ops item {this.GetPrimaryKeyString()} was not found.");

    private async Task SaveAsync(OpsItem item)
    {
        var reopened = state.State.Item?.Status == OpsItemStatus.Resolved && item.Status != OpsItemStatus.Resolved;
        // The archive shelf is kept while a reopened item may still be on it; once placed, the next save forgets it.
        state.State.Archive = item.Status == OpsItemStatus.Resolved ? OpsShelves.ArchiveShelfOf(item) : reopened ? state.State.Archive : null;
        state.State.Item = item;
        _placed = false;
        await state.WriteOrForgetAsync(this);
        await PlaceAsync();
    }

    private Task PlacedAsync() => _placed || state.State.Item is null ? Task.CompletedTask : PlaceAsync();

    private async Task PlaceAsync()
    {
        var item = state.State.Item!;
        var open = GrainFactory.GetGrain<IOpsShelfGrain>(OpsShelves.OpenShelfOf(item));
        if (item.Status == OpsItemStatus.Resolved)
        {
            // Into the archive before off the open shelf: a crash in between lists it twice, never nowhere.
            await GrainFactory.GetGrain<IOpsShelfGrain>(state.State.Archive!).PutAsync(OpsShelves.Shelved(item));
            await open.RemoveAsync(item.Id);
        }
        else
        {
            await open.PutAsync(OpsShelves.Shelved(item));
            if (state.State.Archive is { } archive)
            {
                await GrainFactory.GetGrain<IOpsShelfGrain>(archive).RemoveAsync(item.Id);
            }
        }

        _placed = true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ops {Kind} {ItemId}: {Subject} ({FlowKind} {FlowId})")]
    private partial void LogRaised(OpsItemKind kind, string itemId, string subject, string? flowKind, string? flowId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ops item {ItemId} {Status} by {Actor}")]
    private partial void LogHandled(string itemId, OpsItemStatus status, string actor);
}

/// <summary>What raising, acknowledging and resolving do to an item, plain, so they are tested without a cluster.</summary>
public static class OpsItemRules
{
    /// <summary>
    /// A raise again counts the occurrence and keeps the newest detail; a resolved item opens again,
    /// because whatever it reports has happened again. The first raise's time stays: it names the shelf.
    /// </summary>
    public static OpsItem Raised(OpsItem? known, OpsItem item) => known is null
        ? item with { Status = OpsItemStatus.Open, Occurrences = 1, LastRaisedAt = item.RaisedAt }
        : known with
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

    /// <returns>The same instance when acknowledged already.</returns>
    public static OpsItem Acknowledged(OpsItem item, string actor, DateTimeOffset now) => item.Status switch
    {
        OpsItemStatus.Acknowledged => item,
        OpsItemStatus.Resolved => throw new DomainException(ErrorCodes.InvalidState, $"Ops item {item.Id} is resolved already."),
        _ => item with { Status = OpsItemStatus.Acknowledged, AcknowledgedBy = actor, AcknowledgedAt = now },
    };

    /// <returns>The same instance when resolved already: the first resolution stays.</returns>
    public static OpsItem Resolved(OpsItem item, string actor, string resolution, DateTimeOffset now) =>
        item.Status == OpsItemStatus.Resolved ? item : item with { Status = OpsItemStatus.Resolved, ResolvedBy = actor, ResolvedAt = now, Resolution = resolution };
}
