using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Operations;

/// <summary>The single grain that once held every ops item, kept only to move what it stored. Key 0.</summary>
public interface ILegacyOpsGrain : IGrainWithIntegerKey
{
    /// <summary>Moves every stored item into its own grain, then empties the list; nothing to do once empty.</summary>
    Task MigrateAsync();
}

/// <summary>
/// The grain type and state name are the single ops grain's, so this reads what a deployment stored
/// under them. Each item is imported before the list is emptied, and an import keeps an item grain's
/// own newer word, so a crash in the middle only repeats the move.
/// </summary>
[GrainType("ops")]
public sealed partial class LegacyOpsGrain(
    [PersistentState("ops", StorageNames.Grains)] IPersistentState<OpsState> state,
    ILogger<LegacyOpsGrain> logger) : Grain, ILegacyOpsGrain
{
    public async Task MigrateAsync()
    {
        // Read again, not only on activation: cheap (once per activation of the front), and it sees
        // a state restored into storage while this grain was active.
        await state.ReadStateAsync();
        if (state.State.Items.Count == 0)
        {
            return;
        }

        foreach (var item in state.State.Items)
        {
            await GrainFactory.GetGrain<IOpsItemGrain>(item.Id).ImportAsync(item);
        }

        LogMoved(state.State.Items.Count);
        state.State.Items.Clear();
        await state.WriteStateAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Count} ops items from the single ops grain into grains of their own")]
    private partial void LogMoved(int count);
}
