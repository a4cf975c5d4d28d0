using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Tests;

/// <summary>
/// Stuck flows survive lost events: the index may still hold a flow whose finishing event
/// a dying silo dropped; the stuck query asks the flow's grain and corrects the index.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StuckFlowConfirmationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_flow_the_index_holds_but_its_grain_does_not_is_not_stuck_and_leaves_the_index()
    {
        var lost = "r-lost-" + Guid.NewGuid().ToString("N")[..8];
        var movedAt = fixture.Time.GetUtcNow().AddHours(-2);
        var index = fixture.Grains.GetGrain<IFlowIndexGrain>(FlowIndex.KeyOf(FlowKinds.Rental, lost));
        await index.ApplyAsync(new FlowMoved(FlowKinds.Rental, lost, "Confirmed", false, movedAt));
        Assert.Contains(await index.ListAsync(), flow => flow.FlowId == lost);

        var stuck = await FlowIndex.StuckAsync(fixture.Grains, FlowKinds.Rental, fixture.Time.GetUtcNow(), TimeSpan.FromMinutes(30));

        Assert.DoesNotContain(stuck, flow => flow.FlowId == lost);
        Assert.DoesNotContain(await index.ListAsync(), flow => flow.FlowId == lost);
    }
}
