using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Abstractions.Rentals;

/// <summary>The rentable fleet as Fleet Management lists it, cached briefly so browsing does not call it each time.</summary>
public interface IFleetCatalogGrain : IGrainWithIntegerKey
{
    [ResponseTimeout(AdapterTimeouts.Fleet)]
    Task<IReadOnlyList<FleetVehicle>> ListAsync();

    /// <summary>Null when the fleet has no vehicle with that id.</summary>
    [ResponseTimeout(AdapterTimeouts.Fleet)]
    Task<FleetVehicle?> FindAsync(string vehicleId);

    /// <summary>FLT-4: the fleet's own record of a VIN, from the same cached list; null when the fleet has no such car.</summary>
    [ResponseTimeout(AdapterTimeouts.Fleet)]
    Task<FleetVehicle?> FindByVinAsync(string vin);
}
