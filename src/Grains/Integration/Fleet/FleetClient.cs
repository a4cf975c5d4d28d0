using System.Net;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;

namespace CaaS.Grains.Integration.Fleet;

/// <summary>Fleet Management's REST side (FLT-4).</summary>
public sealed class FleetClient(HttpClient http)
{
    public async Task<IReadOnlyList<FleetVehicle>> ListAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/fleet/vehicles");
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Fleet, request, cancellationToken);
        var wire = await ExternalCall.ReadAsync<List<FleetVehicleWire>>(response, ExternalSystem.Fleet, cancellationToken);
        return wire.Select(ToVehicle).ToArray();
    }

    public async Task<FleetVehicle?> GetAsync(string vin, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/fleet/vehicles/{Uri.EscapeDataString(vin)}");
        try
        {
            using var response = await ExternalCall.SendAsync(http, ExternalSystem.Fleet, request, cancellationToken);
            return ToVehicle(await ExternalCall.ReadAsync<FleetVehicleWire>(response, ExternalSystem.Fleet, cancellationToken));
        }
        catch (DependencyRejectedException rejected) when (rejected.StatusCode == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static VehicleStatus ParseStatus(string? status) => status switch
    {
        "Available" => VehicleStatus.Available,
        "InUse" => VehicleStatus.InUse,
        "Maintenance" => VehicleStatus.Maintenance,
        "OutOfService" => VehicleStatus.OutOfService,
        _ => throw new DependencyUnavailableException(ExternalSystem.Fleet, $"unknown vehicle status '{status}'"),
    };

    private static FleetVehicle ToVehicle(FleetVehicleWire wire) =>
        new(wire.VehicleId, wire.Vin, wire.Model, wire.Category, ParseStatus(wire.Status), wire.Latitude, wire.Longitude, wire.UpdatedAt);

    private sealed record FleetVehicleWire(string VehicleId, string Vin, string Model, string Category, string Status,
        double Latitude, double Longitude, DateTimeOffset UpdatedAt);
}
