using System.Security.Claims;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CaaS.ApiHost.Endpoints;

public static class VehiclesApi
{
    public static IEndpointRouteBuilder MapVehiclesApi(this IEndpointRouteBuilder endpoints)
    {
        var vehicles = endpoints.MapGroup("/api/vehicles").RequireAuthorization();
        vehicles.MapGet("/{vin}", GetVehicle);
        return endpoints;
    }

    private static async Task<Results<Ok<VehicleView>, ProblemHttpResult>> GetVehicle(string vin, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Vin.IsValid(vin))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["vin"] = [Vin.Rule] });
        }

        var vehicle = await grains.GetGrain<IVehicleGrain>(Vin.Normalize(vin)).GetAsync();
        // SEC-1: a customer's own car (where it is, its history) is that customer's; fleet vehicles are everyone's to see.
        var someoneElses = vehicle?.OwnerId is { } owner && user.IsInRole(Roles.Customer) && owner != RentalsApi.CustomerId(user);
        return vehicle is null || someoneElses ? Problems.NotFound($"Vehicle {vin}") : TypedResults.Ok(VehicleView.From(vehicle));
    }
}

/// <summary>Telemetry and LastContact are what API IoT last reported to the poller (IOT-2, IOT-7); null until it first reached the vehicle.</summary>
public sealed record VehicleView(string Vin, string? Model, string? Category, string Status, DateTimeOffset? StatusReportedAt, IReadOnlyList<TransitionRecord> History,
    VehicleTelemetry? Telemetry = null, DateTimeOffset? LastContact = null, string? OwnerId = null)
{
    public static VehicleView From(VehicleSnapshot vehicle) =>
        new(vehicle.Vin, vehicle.Model, vehicle.Category, vehicle.Status.ToString(), vehicle.StatusReportedAt, vehicle.History,
            vehicle.Telemetry, vehicle.LastContact, vehicle.OwnerId);
}
