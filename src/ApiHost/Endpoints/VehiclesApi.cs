using System.Security.Claims;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CaaS.ApiHost.Endpoints;

public static class VehiclesApi
{
    /// <summary>The silo reads the same key for unlocking (RentalOptions), so the renter window is the unlock window.</summary>
    private const string UnlockEarlySetting = "Rentals:UnlockEarly";

    public static IEndpointRouteBuilder MapVehiclesApi(this IEndpointRouteBuilder endpoints)
    {
        var vehicles = endpoints.MapGroup("/api/vehicles").RequireAuthorization().RequireCustomerRateLimits().WithTags("Vehicles");
        vehicles.MapGet("/{vin}", GetVehicle)
            .WithName("GetVehicle").WithSummary("A vehicle's status and history; telemetry and owner for ops, its owner and its renter only (SEC-7)");
        return endpoints;
    }

    private static async Task<Results<Ok<VehicleView>, ProblemHttpResult>> GetVehicle(string vin, ClaimsPrincipal user, IGrainFactory grains,
        IConfiguration configuration, TimeProvider time)
    {
        if (!Vin.IsValid(vin))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["vin"] = [Vin.Rule] });
        }

        var grain = grains.GetGrain<IVehicleGrain>(Vin.Normalize(vin));
        var vehicle = await grain.GetAsync();
        if (vehicle is null)
        {
            // FLT-4: a fleet car the platform has not heard of yet (no webhook, no list, no poll so far) is
            // the fleet's to describe. Such a car has no owner, and nothing SEC-7 hides is known of it.
            return await grains.GetGrain<IFleetCatalogGrain>(0).FindByVinAsync(Vin.Normalize(vin)) is { } listed
                ? TypedResults.Ok(VehicleView.FromFleet(listed))
                : Problems.NotFound($"Vehicle {vin}");
        }

        var customer = user.IsInRole(Roles.Customer) ? RentalsApi.CustomerId(user) : null;
        // SEC-1: a customer's own car (where it is, its history) is that customer's; fleet vehicles are everyone's to see.
        if (vehicle.OwnerId is { } owner && customer is not null && owner != customer)
        {
            return Problems.NotFound($"Vehicle {vin}");
        }

        var rentsNow = customer is not null && vehicle.OwnerId is null && await RentsNowAsync(grains, grain, customer,
            configuration.GetValue(UnlockEarlySetting, VehicleAudience.DefaultUnlockEarly), time.GetUtcNow());
        // SEC-7: telemetry, position and owner only for ops, the owner and the current renter.
        var shown = VehicleAudience.SeesEverything(user.IsInRole(Roles.Ops), customer, vehicle.OwnerId, rentsNow)
            ? vehicle
            : VehicleAudience.WithoutPrivateData(vehicle);
        return TypedResults.Ok(VehicleView.From(shown));
    }

    private static async Task<bool> RentsNowAsync(IGrainFactory grains, IVehicleGrain vehicle, string customer, TimeSpan unlockEarly, DateTimeOffset now)
    {
        foreach (var reservationId in VehicleAudience.RentalsToAsk(await vehicle.GetTimeslotsAsync(), now, unlockEarly))
        {
            // InspectAsync interleaves, so asking never waits behind the reservation's own calls to this vehicle.
            if (VehicleAudience.Rents(await grains.GetGrain<IReservationGrain>(reservationId).InspectAsync(), customer, now, unlockEarly))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Telemetry and LastContact are what API IoT last reported to the poller (IOT-2, IOT-7); null until it first reached the
/// vehicle, and null, with OwnerId, for anyone but ops, the owner and the current renter (SEC-7).
/// </summary>
public sealed record VehicleView(string Vin, string? Model, string? Category, string Status, DateTimeOffset? StatusReportedAt, IReadOnlyList<TransitionRecord> History,
    VehicleTelemetry? Telemetry = null, DateTimeOffset? LastContact = null, string? OwnerId = null)
{
    public static VehicleView From(VehicleSnapshot vehicle) =>
        new(vehicle.Vin, vehicle.Model, vehicle.Category, vehicle.Status.ToString(), vehicle.StatusReportedAt, vehicle.History,
            vehicle.Telemetry, vehicle.LastContact, vehicle.OwnerId);

    /// <summary>Fleet Management's record alone: its position is left out like any telemetry a non-owner may not see.</summary>
    public static VehicleView FromFleet(FleetVehicle vehicle) =>
        new(vehicle.Vin, vehicle.Model, vehicle.Category, vehicle.Status.ToString(), vehicle.UpdatedAt, []);
}
