using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Fleet;

/// <summary>
/// Not persisted: Fleet Management is the source of the list. A stale list is still served when the
/// fleet cannot answer, because vehicles rarely join or leave and availability is decided by the
/// vehicle grains, not by this list.
/// </summary>
public sealed class FleetCatalogGrain(TimeProvider time) : Grain, IFleetCatalogGrain
{
    public static readonly TimeSpan Freshness = TimeSpan.FromMinutes(5);

    private IReadOnlyList<FleetVehicle>? _vehicles;
    private DateTimeOffset _fetchedAt;

    public async Task<IReadOnlyList<FleetVehicle>> ListAsync()
    {
        if (_vehicles is null || time.GetUtcNow() - _fetchedAt > Freshness)
        {
            try
            {
                _vehicles = await GrainFactory.GetGrain<IFleetAdapterGrain>(0).ListVehiclesAsync();
                _fetchedAt = time.GetUtcNow();
            }
            catch (IntegrationException) when (_vehicles is not null)
            {
                // Serve the older list; the next call tries again.
            }
            catch (IntegrationException)
            {
                throw new DomainException(ErrorCodes.DependencyUnavailable, "The fleet cannot be listed right now; please try again shortly.");
            }
        }

        return _vehicles;
    }

    public async Task<FleetVehicle?> FindAsync(string vehicleId) =>
        (await ListAsync()).FirstOrDefault(vehicle => vehicle.VehicleId == vehicleId);
}
