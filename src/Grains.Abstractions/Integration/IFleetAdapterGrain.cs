namespace CaaS.Grains.Abstractions.Integration;

/// <summary>Fleet Management's REST side (FLT-4); its events arrive at the API host.</summary>
public interface IFleetAdapterGrain : IGrainWithIntegerKey
{
    [ResponseTimeout(AdapterTimeouts.Fleet)]
    Task<IReadOnlyList<FleetVehicle>> ListVehiclesAsync();

    /// <summary>Null when the fleet does not know the VIN.</summary>
    [ResponseTimeout(AdapterTimeouts.Fleet)]
    Task<FleetVehicle?> GetVehicleAsync(string vin);
}

[GenerateSerializer, Immutable, Alias("caas.fleet-vehicle")]
public sealed record FleetVehicle(
    [property: Id(0)] string VehicleId,
    [property: Id(1)] string Vin,
    [property: Id(2)] string Model,
    [property: Id(3)] string Category,
    [property: Id(4)] VehicleStatus Status,
    [property: Id(5)] double Latitude,
    [property: Id(6)] double Longitude,
    [property: Id(7)] DateTimeOffset UpdatedAt);
