using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;

namespace CaaS.Grains.Tests;

/// <summary>The rules of the ops read models (ADM-1, ADM-4, stuck flows), without a cluster.</summary>
public sealed class OperationsReadModelTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static FlowMoved Move(string id, string state, DateTimeOffset at, bool finished = false, DateTimeOffset? quietUntil = null) =>
        new(FlowKinds.Rental, id, state, finished, at, quietUntil);

    [Fact]
    public void ADM_1_the_flow_index_keeps_the_newest_word_and_never_revives_a_finished_flow()
    {
        var open = new Dictionary<string, FlowMoved>();
        var finished = new Dictionary<string, FlowMoved>();

        Assert.True(FlowIndexing.Apply(open, finished, Move("r1", "Confirmed", Noon)));
        Assert.True(FlowIndexing.Apply(open, finished, Move("r1", "Active", Noon.AddMinutes(5))));
        Assert.False(FlowIndexing.Apply(open, finished, Move("r1", "Confirmed", Noon)));
        Assert.False(FlowIndexing.Apply(open, finished, Move("r1", "Active", Noon.AddMinutes(5))));
        Assert.Equal("Active", open["r1"].State);

        Assert.True(FlowIndexing.Apply(open, finished, Move("r1", "Completed", Noon.AddHours(1), finished: true)));
        Assert.False(FlowIndexing.Apply(open, finished, Move("r1", "ReturnPending", Noon.AddMinutes(50))));
        Assert.Empty(open);

        // A finish heard before the flow's earlier moves (reordered): the flow never shows as open.
        Assert.True(FlowIndexing.Apply(open, finished, Move("r2", "Cancelled", Noon.AddMinutes(2), finished: true)));
        Assert.False(FlowIndexing.Apply(open, finished, Move("r2", "Confirmed", Noon)));
        Assert.Empty(open);
    }

    [Fact]
    public void Issue_14_the_flow_index_ignores_a_log_event_at_or_below_the_sequence_it_applied_whatever_its_time()
    {
        var open = new Dictionary<string, FlowMoved>();
        var finished = new Dictionary<string, FlowMoved>();

        Assert.True(FlowIndexing.Apply(open, finished, Move("r1", "Active", Noon) with { Sequence = 3 }));
        // A re-send after an outage: same sequence, and an older one stamped later by a slow clock.
        Assert.False(FlowIndexing.Apply(open, finished, Move("r1", "Active", Noon) with { Sequence = 3 }));
        Assert.False(FlowIndexing.Apply(open, finished, Move("r1", "Confirmed", Noon.AddMinutes(1)) with { Sequence = 2 }));
        Assert.Equal("Active", open["r1"].State);

        Assert.True(FlowIndexing.Apply(open, finished, Move("r1", "Completed", Noon.AddHours(1), finished: true) with { Sequence = 5 }));
        Assert.False(FlowIndexing.Apply(open, finished, Move("r1", "ReturnPending", Noon.AddHours(2)) with { Sequence = 4 }));
        Assert.Empty(open);
    }

    [Fact]
    public void A_flow_is_stuck_only_after_the_threshold_has_passed_beyond_the_wait_it_announced()
    {
        var waiting = Move("r1", "Confirmed", Noon, quietUntil: Noon.AddHours(3));
        var silent = Move("o1", "PlacementFailed", Noon);

        Assert.False(waiting.IsStuck(Noon.AddHours(2), TimeSpan.FromMinutes(30)));
        Assert.False(waiting.IsStuck(Noon.AddHours(3).AddMinutes(30), TimeSpan.FromMinutes(30)));
        Assert.True(waiting.IsStuck(Noon.AddHours(3).AddMinutes(31), TimeSpan.FromMinutes(30)));
        Assert.True(silent.IsStuck(Noon.AddMinutes(31), TimeSpan.FromMinutes(30)));
        Assert.False(silent.IsStuck(Noon.AddMinutes(29), TimeSpan.FromMinutes(30)));
        Assert.False((silent with { Finished = true }).IsStuck(Noon.AddDays(9), TimeSpan.Zero));
    }

    [Fact]
    public void ADM_4_the_revenue_report_nets_failed_settlements_and_refunds_by_day_and_kind()
    {
        MoneyMoved Moved(string id, DateTimeOffset at, RevenueKind kind, MoneyMovementType type, long amount, long fines = 0, string currency = "EUR") =>
            new(id, at, kind, type, new Money(amount, currency), fines, "flow-" + id, "pi_" + id);
        var movements = new[]
        {
            Moved("a", Noon.AddDays(-1), RevenueKind.Rental, MoneyMovementType.Captured, 12_000, fines: 3_000),
            Moved("b", Noon, RevenueKind.Rental, MoneyMovementType.Captured, 5_000),
            Moved("c", Noon, RevenueKind.Rental, MoneyMovementType.Refunded, 1_000, fines: 1_000),
            Moved("d", Noon, RevenueKind.VehicleService, MoneyMovementType.Captured, 4_900),
            Moved("e", Noon.AddHours(1), RevenueKind.VehicleService, MoneyMovementType.SettlementFailed, 4_900),
            Moved("f", Noon, RevenueKind.VehicleService, MoneyMovementType.Captured, 1_900),
            Moved("g", Noon.AddDays(-5), RevenueKind.Rental, MoneyMovementType.Captured, 99_999),
            Moved("h", Noon, RevenueKind.Rental, MoneyMovementType.Captured, 777, currency: "USD"),
        };

        var report = RevenueReport.Build(DateOnly.FromDateTime(Noon.UtcDateTime).AddDays(-1), DateOnly.FromDateTime(Noon.UtcDateTime), "EUR", movements);

        Assert.Equal(new RevenueFigures(Captured: 18_900, Refunded: 1_000, Fines: 2_000, Net: 17_900), report.Totals);
        Assert.Equal(new RevenueFigures(17_000, 1_000, 2_000, 16_000), report.ByKind.Single(kind => kind.Kind == RevenueKind.Rental).Figures);
        Assert.Equal(new RevenueFigures(1_900, 0, 0, 1_900), report.ByKind.Single(kind => kind.Kind == RevenueKind.VehicleService).Figures);
        Assert.Equal(2, report.ByDay.Count);
        Assert.Equal(new RevenueFigures(12_000, 0, 3_000, 12_000), report.ByDay[0].Figures);
        Assert.Equal(new RevenueFigures(6_900, 1_000, -1_000, 5_900), report.ByDay[1].Figures);
    }
}
