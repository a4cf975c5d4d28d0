using CaaS.Grains.Abstractions;
using CaaS.Grains.Vehicles;

namespace CaaS.Grains.Tests;

public sealed class VehicleRulesTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static VehicleStatusReport Report(VehicleStatus status, DateTimeOffset at) =>
        new(status, at, new TransitionCause("fleet event", "fleet", "trace-1"));

    [Fact]
    public void A_new_status_is_applied_and_recorded_in_the_history()
    {
        var state = new VehicleState { Vin = "VIN" };

        var outcome = VehicleRules.Apply(state, Report(VehicleStatus.Available, Noon), Noon.AddSeconds(1));

        Assert.Equal(StatusChangeOutcome.Applied, outcome);
        Assert.Equal(VehicleStatus.Available, state.Status);
        var move = Assert.Single(state.History);
        Assert.Equal(("Unknown", "Available", "fleet event", "trace-1", "fleet"), (move.From, move.To, move.Cause, move.TraceId, move.Actor));
        Assert.Equal(Noon.AddSeconds(1), move.At);
    }

    [Fact]
    public void FLT_3_an_older_report_never_overwrites_a_newer_one()
    {
        var state = new VehicleState { Vin = "VIN" };
        VehicleRules.Apply(state, Report(VehicleStatus.Maintenance, Noon), Noon);

        var outcome = VehicleRules.Apply(state, Report(VehicleStatus.Available, Noon.AddMinutes(-5)), Noon);

        Assert.Equal(StatusChangeOutcome.Stale, outcome);
        Assert.Equal(VehicleStatus.Maintenance, state.Status);
        Assert.Single(state.History);
    }

    [Fact]
    public void FLT_3_a_duplicate_report_changes_nothing_but_is_not_stale()
    {
        var state = new VehicleState { Vin = "VIN" };
        VehicleRules.Apply(state, Report(VehicleStatus.InUse, Noon), Noon);

        var outcome = VehicleRules.Apply(state, Report(VehicleStatus.InUse, Noon), Noon);

        Assert.Equal(StatusChangeOutcome.Unchanged, outcome);
        Assert.Single(state.History);
    }

    [Fact]
    public void The_history_keeps_only_the_most_recent_moves()
    {
        var state = new VehicleState { Vin = "VIN" };
        for (var i = 0; i < TransitionHistory.MaxEntries + 10; i++)
        {
            var status = i % 2 == 0 ? VehicleStatus.InUse : VehicleStatus.Available;
            VehicleRules.Apply(state, Report(status, Noon.AddMinutes(i)), Noon.AddMinutes(i));
        }

        Assert.Equal(TransitionHistory.MaxEntries, state.History.Count);
        Assert.Equal(Noon.AddMinutes(TransitionHistory.MaxEntries + 9), state.History[^1].At);
    }
}
