using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class VehicleGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task An_unknown_vehicle_answers_null()
    {
        var vehicle = fixture.Grains.GetGrain<IVehicleGrain>("WVWZZZ1JZXW999999");

        Assert.Null(await vehicle.GetAsync());
    }

    [Fact]
    public async Task A_reported_status_survives_deactivation()
    {
        const string vin = "WVWZZZ1JZXW000123";
        var reportedAt = fixture.Time.GetUtcNow();
        var vehicle = fixture.Grains.GetGrain<IVehicleGrain>(vin);

        var outcome = await vehicle.ReportStatusAsync(new VehicleStatusReport(
            VehicleStatus.Available, reportedAt, new TransitionCause("seeded", "test"), "ID.3", "car"));
        await fixture.Cluster.DeactivateAsync(vehicle);
        var snapshot = await vehicle.GetAsync();

        Assert.Equal(StatusChangeOutcome.Applied, outcome);
        Assert.NotNull(snapshot);
        Assert.Equal((vin, "ID.3", "car", VehicleStatus.Available, reportedAt),
            (snapshot.Vin, snapshot.Model, snapshot.Category, snapshot.Status, snapshot.StatusReportedAt));
        var move = Assert.Single(snapshot.History);
        Assert.Equal(fixture.Time.GetUtcNow(), move.At);
    }

    /// <summary>
    /// Issue 20, MOB-6: a 30-minute soak (seed 9502) gave two contests' vehicle to two customers each.
    /// A hold whose write failed stayed in the activation's memory; the booking's retry was answered
    /// Held from there with nothing stored, and once the activation went the hours were free again.
    /// </summary>
    [Fact]
    public async Task Issue_20_MOB_6_a_hold_whose_write_failed_is_stored_by_its_retry_and_the_hours_stay_taken()
    {
        var vehicle = fixture.Grains.GetGrain<IVehicleGrain>("WVWZZZ1JZXW0MOB6A");
        var from = fixture.Time.GetUtcNow().AddDays(80);
        var to = from.AddHours(4);
        fixture.Storage.FailWrites("vehicle");
        await Assert.ThrowsAnyAsync<Exception>(() => vehicle.HoldAsync("res-mob6-a", from, to, VehicleStatus.Available));

        var retry = fixture.Storage.Mark();
        Assert.Equal(HoldOutcome.Held, await vehicle.HoldAsync("res-mob6-a", from, to, VehicleStatus.Available));
        Assert.Contains(retry.Since(), operation => operation.Write && operation.StateName == "vehicle" && operation.GrainId == vehicle.GetGrainId());

        await fixture.Cluster.DeactivateAsync(vehicle);
        Assert.Equal(HoldOutcome.Taken, await vehicle.HoldAsync("res-mob6-b", from, to, VehicleStatus.Available));
        Assert.Equal("res-mob6-a", Assert.Single(await vehicle.GetTimeslotsAsync()).Owner);
    }

    [Fact]
    public async Task Issue_20_a_release_whose_write_failed_still_holds_the_hours_it_stored()
    {
        var vehicle = fixture.Grains.GetGrain<IVehicleGrain>("WVWZZZ1JZXW0MOB6B");
        var from = fixture.Time.GetUtcNow().AddDays(81);
        var to = from.AddHours(4);
        Assert.Equal(HoldOutcome.Held, await vehicle.HoldAsync("res-release-a", from, to, VehicleStatus.Available));
        fixture.Storage.FailWrites("vehicle");
        await Assert.ThrowsAnyAsync<Exception>(() => vehicle.ReleaseAsync("res-release-a"));

        // Stored, the hours are still the first booking's: a release must be stored before anyone else can have them.
        Assert.Equal("res-release-a", Assert.Single(await vehicle.GetTimeslotsAsync()).Owner);
    }
}
