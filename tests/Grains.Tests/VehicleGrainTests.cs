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
}
