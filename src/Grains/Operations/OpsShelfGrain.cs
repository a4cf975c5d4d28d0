using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Operations;

/// <summary>
/// One kind's items of one day (one partition of it), as their item grains put them here. What writes
/// it is bounded by that day and kind, never by how many items exist in all.
/// </summary>
public sealed class OpsShelfGrain(
    [PersistentState("ops-shelf", StorageNames.Grains)] IPersistentState<OpsShelfState> state) : Grain, IOpsShelfGrain
{
    private Dictionary<string, OpsItem> Items => state.State.Items;

    private IOpsShelfDirectoryGrain Directory => GrainFactory.GetGrain<IOpsShelfDirectoryGrain>(OpsShelves.DirectoryOf(this.GetPrimaryKeyString()));

    public async Task PutAsync(OpsItem item)
    {
        if (Items.TryGetValue(item.Id, out var known) && OpsShelves.Same(known, item))
        {
            return;
        }

        if (Items.Count == 0)
        {
            // Listed in the directory before the shelf holds anything, so a crash in between leaves a
            // directory entry for an empty shelf (read and skipped), never a shelf that nobody reads.
            await Directory.AddAsync(this.GetPrimaryKeyString());
        }

        Items[item.Id] = item;
        await state.WriteOrForgetAsync(this);
    }

    public async Task RemoveAsync(string id)
    {
        if (!Items.Remove(id))
        {
            return;
        }

        await state.WriteOrForgetAsync(this);
        if (Items.Count == 0)
        {
            // After the shelf's write, for the same reason as in PutAsync.
            await Directory.RemoveAsync(this.GetPrimaryKeyString());
        }
    }

    public Task<IReadOnlyList<OpsItem>> ListAsync() => Task.FromResult<IReadOnlyList<OpsItem>>([.. Items.Values]);
}

/// <summary>Which shelves of one status and kind hold anything: one entry per shelf, a few per day at most.</summary>
public sealed class OpsShelfDirectoryGrain(
    [PersistentState("ops-shelf-directory", StorageNames.Grains)] IPersistentState<OpsShelfDirectoryState> state) : Grain, IOpsShelfDirectoryGrain
{
    private List<string> Shelves => state.State.Shelves;

    public async Task AddAsync(string shelf)
    {
        var index = Shelves.BinarySearch(shelf, StringComparer.Ordinal);
        if (index < 0)
        {
            Shelves.Insert(~index, shelf);
            await state.WriteOrForgetAsync(this);
        }
    }

    public async Task RemoveAsync(string shelf)
    {
        var index = Shelves.BinarySearch(shelf, StringComparer.Ordinal);
        if (index >= 0)
        {
            Shelves.RemoveAt(index);
            await state.WriteOrForgetAsync(this);
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. Shelves]);
}

internal static class OpsStateWrites
{
    /// <summary>
    /// A write that failed leaves the change in memory only, where the next call would take it for stored
    /// (a shelf would skip a put it believes done; an item would place what it never kept): the activation
    /// is dropped, so the next one reads what storage holds.
    /// </summary>
    public static async Task WriteOrForgetAsync<T>(this IPersistentState<T> state, Grain grain)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            grain.DeactivateOnIdle();
            throw;
        }
    }
}
