using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Telemetry;

namespace CaaS.Grains.Tests;

/// <summary>IOT-7 as plain code: when polled telemetry is written, how the fleet is dealt to partitions, and the round cadence.</summary>
public sealed class TelemetryRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private static readonly TelemetryThresholds Thresholds = new(EnergyPoints: 5, DistanceMeters: 500, OdometerKm: 1, WriteBehind: TimeSpan.FromMinutes(10));
    private static readonly VehicleTelemetry Written = new(OdometerKm: 12_345.6, EnergyPercent: 80, Latitude: 40.4168, Longitude: -3.7038, Locked: true);
    private static readonly DateTimeOffset WrittenAt = Now.AddMinutes(-1);

    private static TelemetryWriteReason Reason(VehicleTelemetry reported) => TelemetryRules.WriteReason(Written, WrittenAt, reported, Now, Thresholds);

    [Fact]
    public void The_first_report_is_written() =>
        Assert.Equal(TelemetryWriteReason.FirstReport, TelemetryRules.WriteReason(null, null, Written, Now, Thresholds));

    [Fact]
    public void The_same_values_again_within_the_write_behind_interval_stay_in_memory() =>
        Assert.Equal(TelemetryWriteReason.None, Reason(Written));

    [Fact]
    public void A_lock_that_flipped_is_written() =>
        Assert.Equal(TelemetryWriteReason.LockChanged, Reason(Written with { Locked = false }));

    [Theory]
    [InlineData(84, TelemetryWriteReason.None)]
    [InlineData(76, TelemetryWriteReason.None)]
    [InlineData(85, TelemetryWriteReason.EnergyChanged)]
    [InlineData(75, TelemetryWriteReason.EnergyChanged)]
    [InlineData(20, TelemetryWriteReason.EnergyChanged)]
    public void Energy_is_written_once_it_moved_by_the_threshold_either_way(int energyPercent, TelemetryWriteReason expected) =>
        Assert.Equal(expected, Reason(Written with { EnergyPercent = energyPercent }));

    [Theory]
    // A thousandth of a degree of latitude is about 111 m.
    [InlineData(0.0010, 0, TelemetryWriteReason.None)]
    [InlineData(0.0040, 0, TelemetryWriteReason.None)]
    [InlineData(0.0046, 0, TelemetryWriteReason.Moved)]
    [InlineData(-0.0050, 0, TelemetryWriteReason.Moved)]
    [InlineData(0, 0.0070, TelemetryWriteReason.Moved)]
    public void A_position_is_written_once_the_vehicle_moved_the_threshold_distance(double latitudeDelta, double longitudeDelta, TelemetryWriteReason expected) =>
        Assert.Equal(expected, Reason(Written with { Latitude = Written.Latitude + latitudeDelta, Longitude = Written.Longitude + longitudeDelta }));

    [Theory]
    [InlineData(0.9, TelemetryWriteReason.None)]
    [InlineData(1.0, TelemetryWriteReason.OdometerChanged)]
    [InlineData(-1.0, TelemetryWriteReason.OdometerChanged)]
    public void An_odometer_is_written_once_it_moved_a_kilometre(double kilometres, TelemetryWriteReason expected) =>
        Assert.Equal(expected, Reason(Written with { OdometerKm = Written.OdometerKm + kilometres }));

    [Fact]
    public void Small_changes_together_stay_below_every_threshold() =>
        Assert.Equal(TelemetryWriteReason.None, Reason(new VehicleTelemetry(Written.OdometerKm + 0.5, Written.EnergyPercent - 3, Written.Latitude + 0.001, Written.Longitude, Written.Locked)));

    [Theory]
    [InlineData(9 * 60 + 59, TelemetryWriteReason.None)]
    [InlineData(10 * 60, TelemetryWriteReason.WriteBehindElapsed)]
    [InlineData(3 * 60 * 60, TelemetryWriteReason.WriteBehindElapsed)]
    public void Unchanged_telemetry_is_written_behind_once_the_interval_has_passed_since_the_last_write(int secondsSinceWrite, TelemetryWriteReason expected) =>
        Assert.Equal(expected, TelemetryRules.WriteReason(Written, Now.AddSeconds(-secondsSinceWrite), Written, Now, Thresholds));

    [Fact]
    public void Telemetry_written_before_anyone_recorded_when_is_written_again() =>
        Assert.Equal(TelemetryWriteReason.WriteBehindElapsed, TelemetryRules.WriteReason(Written, null, Written, Now, Thresholds));

    [Fact]
    public void Only_a_later_contact_is_news()
    {
        Assert.True(TelemetryRules.IsNewer(null, Now));
        Assert.True(TelemetryRules.IsNewer(Now.AddSeconds(-1), Now));
        Assert.False(TelemetryRules.IsNewer(Now, Now));
        Assert.False(TelemetryRules.IsNewer(Now.AddSeconds(1), Now));
    }

    [Fact]
    public void The_distance_from_Madrid_to_Barcelona_is_about_505_km() =>
        Assert.InRange(TelemetryRules.DistanceMeters(40.4168, -3.7038, 41.3874, 2.1686), 500_000, 510_000);

    [Fact]
    public void A_VIN_falls_in_the_same_partition_in_every_process_whatever_its_case()
    {
        // Pinned values of Orleans' stable hash: string.GetHashCode, randomised per process, could not pass this.
        Assert.Equal(0, FleetPartition.Of("WVWZZZ1JZXW000123", 4));
        Assert.Equal(4, FleetPartition.Of("wvwzzz1jzxw000123", 7));
    }

    [Fact]
    public void The_partitions_share_the_fleet_out_exactly_once_and_about_evenly()
    {
        var fleet = Enumerable.Range(0, 2_000).Select(i => $"WVWZZZ1JZXW{i:D6}").ToArray();

        var dealt = Enumerable.Range(0, 4).Select(partition => FleetPartition.VinsOf(fleet.Concat(fleet.Take(10)), partition, 4)).ToArray();

        Assert.Equal(fleet.Order(StringComparer.Ordinal), dealt.SelectMany(vins => vins).Order(StringComparer.Ordinal));
        Assert.All(dealt, vins => Assert.InRange(vins.Count, 400, 600));
    }

    [Fact]
    public void Partitions_start_spread_over_one_interval()
    {
        var interval = TimeSpan.FromMinutes(1);

        var starts = Enumerable.Range(0, 4).Select(partition => PollSchedule.FirstRound(Now, interval, partition, 4) - Now);

        Assert.Equal([TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(60)], starts);
    }

    [Fact]
    public void Issue_18_a_rounds_requests_are_paced_evenly_over_the_spread_share_of_the_interval()
    {
        var interval = TimeSpan.FromMinutes(1);

        var slots = Enumerable.Range(0, 4).Select(index => PollSchedule.Slot(Now, interval, 0.75, index, 4) - Now);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(11.25), TimeSpan.FromSeconds(22.5), TimeSpan.FromSeconds(33.75)], slots);
        // A partition of 62,500 cars (250,000 over four) asks about 1,389 a second, its last within the spread.
        Assert.InRange(PollSchedule.Slot(Now, interval, 0.75, 62_499, 62_500) - Now, TimeSpan.FromSeconds(44.99), TimeSpan.FromSeconds(45));
        Assert.Equal(Now, PollSchedule.Slot(Now, interval, 0, 3, 4));
    }

    [Fact]
    public void A_round_that_finished_in_time_is_followed_one_interval_after_its_schedule()
    {
        var interval = TimeSpan.FromMinutes(1);

        var next = PollSchedule.NextRound(Now, interval, Now.AddSeconds(20), out var skipped);

        Assert.Equal((Now.AddMinutes(1), 0L), (next, skipped));
    }

    [Fact]
    public void A_round_that_overran_its_interval_makes_the_next_one_late_by_the_overrun()
    {
        var interval = TimeSpan.FromMinutes(1);
        var finishedAt = Now.AddSeconds(80);

        var next = PollSchedule.NextRound(Now, interval, finishedAt, out var skipped);

        Assert.Equal((Now.AddMinutes(1), 0L), (next, skipped));
        Assert.Equal(TimeSpan.FromSeconds(20), PollSchedule.Lateness(next, finishedAt));
    }

    [Fact]
    public void Rounds_missed_by_a_long_overrun_are_dropped_not_queued()
    {
        var interval = TimeSpan.FromMinutes(1);
        var finishedAt = Now.AddSeconds(210);

        var next = PollSchedule.NextRound(Now, interval, finishedAt, out var skipped);

        Assert.Equal((Now.AddMinutes(3), 2L), (next, skipped));
        Assert.Equal(TimeSpan.FromSeconds(30), PollSchedule.Lateness(next, finishedAt));
    }

    [Theory]
    [InlineData(60, 60, 60)]
    [InlineData(60, 3, 60)]
    [InlineData(3, 3, 3)]
    [InlineData(3, 60, 60)]
    public void The_watchdog_ticks_at_the_configured_period_but_never_under_the_silos_minimum(int configuredSeconds, int minimumSeconds, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), PollSchedule.WatchdogPeriod(TimeSpan.FromSeconds(configuredSeconds), TimeSpan.FromSeconds(minimumSeconds)));

    [Fact]
    public void A_round_that_started_early_is_not_late() =>
        Assert.Equal(TimeSpan.Zero, PollSchedule.Lateness(Now, Now.AddMilliseconds(-3)));
}
