using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Grains.Tests.StoredState;

/// <summary>Issue 18: a revenue day stored whole moves into the rows when it is first asked for, each movement once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RevenueDayMigrationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Issue_18_ADM_4_a_revenue_day_stored_whole_moves_into_rows_once()
    {
        var at = new DateTimeOffset(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);
        var day = RevenueStreams.DayKey(at);
        var grain = fixture.Grains.GetGrain<IRevenueDayGrain>(day);
        Assert.Equal("revenueday", grain.GetGrainId().Type.ToString());
        MoneyMoved Moved(string id) => new(id, at, RevenueKind.Rental, MoneyMovementType.Captured, new Money(1_000, "EUR"), 0, id.Split('/')[0], "pi_1");
        var stored = new RevenueDayState();
        stored.Movements["res-m1/capture"] = Moved("res-m1/capture");
        stored.Movements["res-m2/capture"] = Moved("res-m2/capture");
        await fixture.Storage.WriteStateAsync("revenue-day", grain.GetGrainId(), new GrainState<RevenueDayState>(stored));
        // The consumer wrote one of them again before anyone read the day.
        await fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IRevenueDayRows>().RecordAsync([Moved("res-m2/capture")]);

        var listed = await grain.ListAsync();
        var left = new GrainState<RevenueDayState>();
        await fixture.Storage.ReadStateAsync("revenue-day", grain.GetGrainId(), left);

        Assert.Equal(["res-m1/capture", "res-m2/capture"], listed.Select(moved => moved.MovementId).Order(StringComparer.Ordinal));
        Assert.Empty(left.State?.Movements ?? []);
    }
}
