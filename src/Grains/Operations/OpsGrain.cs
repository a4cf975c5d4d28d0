using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Operations;

public sealed partial class OpsGrain(
    [PersistentState("ops", StorageNames.Grains)] IPersistentState<OpsState> state,
    ILogger<OpsGrain> logger) : Grain, IOpsGrain
{
    public async Task RaiseAsync(OpsItem item)
    {
        if (state.State.Items.Any(existing => existing.Id == item.Id))
        {
            return;
        }

        state.State.Items.Add(item);
        await state.WriteStateAsync();
        LogRaised(item.Kind, item.Id, item.Subject, item.FlowKind, item.FlowId);
    }

    public Task<IReadOnlyList<OpsItem>> ListAsync(OpsItemKind? kind = null) =>
        Task.FromResult<IReadOnlyList<OpsItem>>([.. state.State.Items.Where(item => kind is null || item.Kind == kind)]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ops {Kind} {ItemId}: {Subject} ({FlowKind} {FlowId})")]
    private partial void LogRaised(OpsItemKind kind, string itemId, string subject, string? flowKind, string? flowId);
}
