using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Grains.Tests.StoredState;

/// <summary>
/// Issue 18: a flow index partition used to be one grain state rewritten whole by every batch. A
/// partition still stored that way moves into the rows when it is first asked for, and where the
/// log's consumer has written a flow since, the newer word stays.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FlowIndexMigrationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Issue_18_ADM_1_a_partition_stored_whole_moves_into_rows_once_and_a_newer_row_wins()
    {
        var at = new DateTimeOffset(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);
        var first = "res-migrated-" + Guid.NewGuid().ToString("N")[..8];
        var partition = FlowIndex.KeyOf(FlowKinds.Rental, first);
        var second = Enumerable.Range(0, 1000).Select(i => $"res-migrated-{i}").First(id => id != first && FlowIndex.KeyOf(FlowKinds.Rental, id) == partition);
        var grain = fixture.Grains.GetGrain<IFlowIndexGrain>(partition);
        Assert.Equal("flowindex", grain.GetGrainId().Type.ToString());
        var stored = new FlowIndexState();
        stored.Open[first] = new FlowMoved(FlowKinds.Rental, first, "Confirmed", false, at, Sequence: 2);
        stored.Open[second] = new FlowMoved(FlowKinds.Rental, second, "Confirmed", false, at, Sequence: 2);
        await fixture.Storage.WriteStateAsync("flow-index", grain.GetGrainId(), new GrainState<FlowIndexState>(stored));
        var rows = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IFlowIndexRows>();
        // The consumer wrote a later word of one of them before anyone read the partition.
        await rows.ApplyAsync([new FlowMoved(FlowKinds.Rental, second, "Active", false, at.AddHours(1), Sequence: 3)], at.AddDays(-1));

        var listed = await grain.ListAsync();
        var left = new GrainState<FlowIndexState>();
        await fixture.Storage.ReadStateAsync("flow-index", grain.GetGrainId(), left);

        Assert.Equal("Confirmed", Assert.Single(listed, flow => flow.FlowId == first).State);
        Assert.Equal("Active", Assert.Single(listed, flow => flow.FlowId == second).State);
        Assert.Empty(left.State?.Open ?? []);
    }
}
