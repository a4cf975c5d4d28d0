using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Tests;

/// <summary>SEC-7: who sees a vehicle's telemetry, position and owner, as one plain rule.</summary>
public sealed class VehicleAudienceTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Early = TimeSpan.FromMinutes(15);

    private static ReservationView Rental(ReservationStatus status, string customer = "cust-a", params string[] issues) =>
        new("res-1", customer, "veh-1", "VIN", Start, Start.AddHours(2), status, null, null, [], [], null, null, issues, null, Start.AddDays(-1));

    [Theory]
    [InlineData(-16, false)]
    [InlineData(-15, true)]
    [InlineData(60, true)]
    [InlineData(120, true)]
    [InlineData(121, false)]
    public void A_confirmed_booking_makes_its_customer_the_renter_from_the_unlock_window_until_its_end(int minutesFromStart, bool rents) =>
        Assert.Equal(rents, VehicleAudience.Rents(Rental(ReservationStatus.Confirmed), "cust-a", Start.AddMinutes(minutesFromStart), Early));

    [Fact]
    public void An_unlocked_rental_keeps_its_renter_past_its_end_until_the_return() =>
        Assert.True(VehicleAudience.Rents(Rental(ReservationStatus.Active), "cust-a", Start.AddHours(5), Early));

    [Fact]
    public void A_return_waiting_for_ops_keeps_its_renter_and_a_verified_one_does_not()
    {
        Assert.True(VehicleAudience.Rents(Rental(ReservationStatus.ReturnPending, "cust-a", "outside every return zone"), "cust-a", Start.AddHours(1), Early));
        Assert.False(VehicleAudience.Rents(Rental(ReservationStatus.ReturnPending), "cust-a", Start.AddHours(1), Early));
    }

    [Theory]
    [InlineData(ReservationStatus.Pending)]
    [InlineData(ReservationStatus.Completed)]
    [InlineData(ReservationStatus.Cancelled)]
    [InlineData(ReservationStatus.Rejected)]
    [InlineData(ReservationStatus.PaymentFailed)]
    public void A_booking_that_is_not_under_way_makes_nobody_the_renter(ReservationStatus status) =>
        Assert.False(VehicleAudience.Rents(Rental(status), "cust-a", Start.AddMinutes(30), Early));

    [Fact]
    public void Another_customer_is_never_the_renter_of_someone_elses_rental()
    {
        Assert.False(VehicleAudience.Rents(Rental(ReservationStatus.Active), "cust-b", Start.AddMinutes(30), Early));
        Assert.False(VehicleAudience.Rents(null, "cust-b", Start.AddMinutes(30), Early));
    }

    [Fact]
    public void Only_reservation_slots_whose_unlock_window_opened_are_asked_newest_first()
    {
        Timeslot[] slots =
        [
            new("res-past", Start.AddDays(-1), Start.AddDays(-1).AddHours(2), TimeslotKind.Reservation),
            new("res-now", Start, Start.AddHours(2), TimeslotKind.Reservation),
            new("res-later", Start.AddHours(3), Start.AddHours(4), TimeslotKind.Reservation),
            new("maintenance", Start.AddHours(-1), Start.AddHours(5), TimeslotKind.Maintenance),
        ];

        Assert.Equal(["res-now", "res-past"], VehicleAudience.RentalsToAsk(slots, Start.AddMinutes(-10), Early));
    }

    [Theory]
    [InlineData(true, null, null, false, true)]
    [InlineData(false, "cust-a", "cust-a", false, true)]
    [InlineData(false, "cust-b", null, true, true)]
    [InlineData(false, "cust-b", "cust-a", false, false)]
    [InlineData(false, null, null, false, false)]
    public void Ops_the_owner_and_the_current_renter_see_everything_and_nobody_else_does(bool ops, string? customer, string? owner, bool rents, bool seesEverything) =>
        Assert.Equal(seesEverything, VehicleAudience.SeesEverything(ops, customer, owner, rents));

    [Fact]
    public void Anyone_else_sees_the_vehicle_without_telemetry_position_contact_and_owner()
    {
        var vehicle = new VehicleSnapshot("VIN", "ID.4", "car", VehicleStatus.InUse, Start, [], "cust-a",
            new VehicleTelemetry(1_000, 80, 40.4, -3.7, true), Start);

        var shown = VehicleAudience.WithoutPrivateData(vehicle);

        Assert.Equal((null, null, null), (shown.OwnerId, shown.Telemetry, shown.LastContact));
        Assert.Equal((vehicle.Vin, vehicle.Model, vehicle.Status), (shown.Vin, shown.Model, shown.Status));
    }
}
