using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Services;

namespace CaaS.Grains.Services;

/// <summary>The command as a flow: stored with its outbox published after (issue 14), and its own word for the ops read models.</summary>
public sealed partial class OtaCommandGrain
{
    /// <summary>A command has a flow once it was asked for and took its first step.</summary>
    private bool HoldsFlow => S.Request is not null && S.History.Count > 0;

    private async Task StoreAsync()
    {
        await state.WriteStateAsync();
        await Outbox.PublishAsync();
    }

    private Events.OutboxPublisher? _outbox;

    private Events.OutboxPublisher Outbox => _outbox ??= new Events.OutboxPublisher(this, () => S.Journal, () => !HoldsFlow
        ? Events.OutboxBatch.Empty
        : Events.FlowEvents.Pending(Abstractions.Events.EventSubjects.Ota, Id, S.Journal, () => Events.FlowEvents.FlowData(Moved())));

    public Task RepublishAsync() => !HoldsFlow ? Task.CompletedTask
        : Outbox.RepublishAsync(() => Events.FlowEvents.Snapshot(Abstractions.Events.EventSubjects.Ota, Id, S.Journal, S.History, () => Events.FlowEvents.FlowData(Moved())));

    public Task<FlowMoved?> DescribeFlowAsync() => Task.FromResult(HoldsFlow ? Moved() : null);

    public Task<IReadOnlyList<Obligation>> OwedAsync() => Task.FromResult<IReadOnlyList<Obligation>>([.. S.Journal.Obligations]);

    private FlowMoved Moved()
    {
        var movedAt = S.History[^1].At;

        // A pending command is expected to stay quiet for its whole retry schedule.
        var schedule = OtaSchedule.WholeSchedule(Ota);
        return new FlowMoved(FlowKinds.OtaCommand, Id, S.Status.ToString(), S.Status != OtaCommandStatus.Pending, movedAt,
            S.Status == OtaCommandStatus.Pending ? movedAt + schedule : null, Vin: S.Request!.Vin, Sequence: S.Journal.Sequence);
    }
}
