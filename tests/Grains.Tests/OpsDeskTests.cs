using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;

namespace CaaS.Grains.Tests;

/// <summary>The operators' desk: which rentals are under way (ADM-1), how stuck flows are grouped, which ids name a dead letter.</summary>
public sealed class OpsDeskTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(FlowKinds.Rental, "Active", true)]
    [InlineData(FlowKinds.Rental, "ReturnPending", true)]
    [InlineData(FlowKinds.Rental, "Confirmed", false)]
    [InlineData(FlowKinds.Rental, "Pending", false)]
    [InlineData(FlowKinds.Rental, "Completed", false)]
    [InlineData(FlowKinds.ServicePurchase, "Active", false)]
    public void ADM_1_a_rental_is_under_way_when_unlocked_or_returned_and_not_yet_settled(string kind, string state, bool active) =>
        Assert.Equal(active, OpsDesk.IsActiveRental(new FlowMoved(kind, "f-1", state, false, Noon)));

    [Fact]
    public void Stuck_flows_are_counted_by_kind_and_state_with_the_oldest_move_of_each()
    {
        FlowMoved[] stuck =
        [
            new(FlowKinds.Rental, "r-1", "Confirmed", false, Noon.AddHours(-1)),
            new(FlowKinds.FactoryOrder, "o-1", "Placed", false, Noon.AddHours(-5)),
            new(FlowKinds.Rental, "r-2", "Confirmed", false, Noon.AddHours(-3)),
            new(FlowKinds.Rental, "r-3", "Active", false, Noon.AddHours(-2)),
        ];

        Assert.Equal(
        [
            new StuckGroup(FlowKinds.FactoryOrder, "Placed", 1, Noon.AddHours(-5)),
            new StuckGroup(FlowKinds.Rental, "Active", 1, Noon.AddHours(-2)),
            new StuckGroup(FlowKinds.Rental, "Confirmed", 2, Noon.AddHours(-3)),
        ], OpsDesk.GroupsOf(stuck));
        Assert.Empty(OpsDesk.GroupsOf([]));
    }
}

[Collection(ClusterCollection.Name)]
public sealed class OpsDeskGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ADM_1_active_rentals_are_read_from_the_flow_index()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (active, waiting, confirmed) = ($"r-active-{suffix}", $"r-waiting-{suffix}", $"r-confirmed-{suffix}");
        var at = fixture.Time.GetUtcNow();
        foreach (var (id, state) in new[] { (active, "Active"), (waiting, "ReturnPending"), (confirmed, "Confirmed") })
        {
            await fixture.Grains.GetGrain<IFlowIndexGrain>(FlowIndex.KeyOf(FlowKinds.Rental, id)).ApplyAsync(new FlowMoved(FlowKinds.Rental, id, state, false, at));
        }

        var listed = (await fixture.Grains.GetGrain<IOpsDeskGrain>(0).ActiveRentalsAsync()).Select(flow => flow.FlowId).ToList();

        Assert.Contains(active, listed);
        Assert.Contains(waiting, listed);
        Assert.DoesNotContain(confirmed, listed);
    }

    [Theory]
    [InlineData("dead-letter/stripe:evt_never_received")]
    [InlineData("factory-placement/o-1")]
    [InlineData("")]
    public async Task WH_6_replaying_an_id_that_names_no_dead_letter_is_not_found(string id)
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() => fixture.Grains.GetGrain<IOpsDeskGrain>(0).ReplayDeadLetterAsync(id, "ops-ann"));

        Assert.Equal(ErrorCodes.NotFound, refused.Code);
    }
}
