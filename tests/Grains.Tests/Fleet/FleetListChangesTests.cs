using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Fleet;

namespace CaaS.Grains.Tests.Fleet;

/// <summary>WH-6, FLT-4: what a fresh fleet list reports to the vehicle grains.</summary>
public sealed class FleetListChangesTests
{
    private static readonly DateTimeOffset Seen = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static FleetVehicle Car(string vin, VehicleStatus status, DateTimeOffset updatedAt) =>
        new("veh-" + vin, vin, "ID.3", "car", status, 48.1, 11.5, updatedAt);

    [Fact]
    public void WH_6_the_first_list_reports_every_vehicle_whose_status_it_knows()
    {
        var changes = FleetListChanges.Between(null, [Car("A", VehicleStatus.Available, Seen), Car("B", VehicleStatus.Unknown, Seen)]);

        Assert.Equal(["A"], changes.Select(vehicle => vehicle.Vin));
    }

    [Fact]
    public void WH_6_a_later_list_reports_only_what_changed_since_the_one_before()
    {
        var before = new[] { Car("A", VehicleStatus.Available, Seen), Car("B", VehicleStatus.Available, Seen), Car("C", VehicleStatus.InUse, Seen) };
        var after = new[]
        {
            Car("A", VehicleStatus.Available, Seen),
            Car("B", VehicleStatus.Maintenance, Seen.AddMinutes(3)),
            Car("C", VehicleStatus.InUse, Seen.AddMinutes(1)),
            Car("D", VehicleStatus.Available, Seen),
        };

        Assert.Equal(["B", "C", "D"], FleetListChanges.Between(before, after).Select(vehicle => vehicle.Vin));
    }
}
