using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Notifications;
using Orleans.Concurrency;

namespace CaaS.Grains.Operations;

/// <summary>
/// Holds no state: it reads the flow index, the flows and the ops items, and drives an inbox's replay.
/// A stateless worker, so the ops grain never waits on an inbox (whose failure raises an ops item).
/// </summary>
[StatelessWorker]
public sealed class OpsDeskGrain(TimeProvider time) : Grain, IOpsDeskGrain
{
    /// <summary>
    /// The index knows which rentals are under way; who rents each and which car is the reservation's
    /// to say (booking events carry a pseudonym only, as the forecaster reads them too).
    /// </summary>
    public async Task<IReadOnlyList<FlowMoved>> ActiveRentalsAsync()
    {
        var indexed = (await FlowIndex.ListAsync(GrainFactory, FlowKinds.Rental)).Where(OpsDesk.IsActiveRental);
        var described = await Task.WhenAll(indexed.Select(async flow => flow.CustomerId is null
            ? await GrainFactory.GetGrain<IReservationGrain>(flow.FlowId).DescribeFlowAsync() ?? flow
            : flow));
        return [.. described.Where(OpsDesk.IsActiveRental)];
    }

    public async Task<StuckFlowsReport> StuckFlowsAsync(string? kind, TimeSpan threshold)
    {
        var stuck = await FlowIndex.StuckAsync(GrainFactory, kind, time.GetUtcNow(), threshold);
        return new StuckFlowsReport(OpsDesk.GroupsOf(stuck), stuck);
    }

    public async Task<DeadLetterReplayed> ReplayDeadLetterAsync(string id, string actor)
    {
        var ops = GrainFactory.GetGrain<IOpsGrain>(0);
        // The ops item is looked up first, so an id that names no dead letter never activates an inbox.
        if (DeadLetterData.InboxKeyOf(id) is not { } inboxKey || await ops.GetAsync(id) is not { Kind: OpsItemKind.DeadLetter } letter)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Dead letter {id} was not found.");
        }

        var outcome = NotificationDeadLetters.Holds(letter)
            ? await NotificationDeadLetters.ReplayAsync(GrainFactory, letter)
            : await GrainFactory.GetGrain<IWebhookInboxGrain>(inboxKey).ReplayAsync();
        var item = outcome == InboxOutcome.Failed
            ? (await ops.GetAsync(id))!
            : await ops.ResolveAsync(id, actor, outcome == InboxOutcome.Processed ? "replayed and processed" : "found processed already");
        return new DeadLetterReplayed(outcome, item);
    }
}

/// <summary>The desk's rules, plain, so they are tested without a cluster.</summary>
public static class OpsDesk
{
    /// <summary>A rental is under way from its unlock until its final capture, a return that waits for ops included (ADM-1).</summary>
    public static bool IsActiveRental(FlowMoved flow) =>
        flow.Kind == FlowKinds.Rental && flow.State is nameof(ReservationStatus.Active) or nameof(ReservationStatus.ReturnPending);

    /// <summary>How many flows are stuck in each kind and state, and since when the oldest of them has not moved; by kind, then state.</summary>
    public static IReadOnlyList<StuckGroup> GroupsOf(IEnumerable<FlowMoved> stuck) =>
        [.. stuck.GroupBy(flow => (flow.Kind, flow.State))
            .Select(group => new StuckGroup(group.Key.Kind, group.Key.State, group.Count(), group.Min(flow => flow.MovedAt)))
            .OrderBy(group => group.Kind, StringComparer.Ordinal).ThenBy(group => group.State, StringComparer.Ordinal)];
}
