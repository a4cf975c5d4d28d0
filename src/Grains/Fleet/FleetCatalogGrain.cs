using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Fleet;

/// <summary>
/// Not persisted: Fleet Management is the source of the list. A stale list is still served when the
/// fleet cannot answer, because vehicles rarely join or leave and availability is decided by the
/// vehicle grains, not by this list. Each fresh list is also the fallback for lost fleet webhooks
/// (WH-6, FLT-4): a vehicle whose status or update time differs from the list before is reported to
/// its grain, which keeps the newest report (FLT-3), so a webhook that never came is made up for
/// within a refresh of the list, which the telemetry poller asks for every round.
/// </summary>
public sealed partial class FleetCatalogGrain(TimeProvider time, IOptionsMonitor<FleetCatalogOptions> options, ILogger<FleetCatalogGrain> logger)
    : Grain, IFleetCatalogGrain
{
    /// <summary>Reports in flight at once: a first list of a large fleet must not flood the silo.</summary>
    private const int ReportConcurrency = 16;

    private IReadOnlyList<FleetVehicle>? _vehicles;
    private DateTimeOffset _fetchedAt;
    private Task _reporting = Task.CompletedTask;

    public async Task<IReadOnlyList<FleetVehicle>> ListAsync()
    {
        if (_vehicles is null || time.GetUtcNow() - _fetchedAt > options.CurrentValue.ListFreshness)
        {
            try
            {
                var previous = _vehicles;
                _vehicles = await GrainFactory.GetGrain<IFleetAdapterGrain>(0).ListVehiclesAsync();
                _fetchedAt = time.GetUtcNow();
                if (_reporting.IsCompleted)
                {
                    // Not awaited: whoever asked for the list (a booking) does not wait for the fleet's news.
                    _reporting = ReportChangesAsync(FleetListChanges.Between(previous, _vehicles));
                }
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

    // From the list, not a lookup per VIN: a read of a made-up VIN costs Fleet Management nothing
    // while the list is fresh, and a car that joined the fleet shows within ListFreshness.
    public async Task<FleetVehicle?> FindByVinAsync(string vin) =>
        (await ListAsync()).FirstOrDefault(vehicle => string.Equals(vehicle.Vin, vin, StringComparison.OrdinalIgnoreCase));

    private async Task ReportChangesAsync(IReadOnlyList<FleetVehicle> changed)
    {
        var pending = new Queue<FleetVehicle>(changed);
        var failures = 0;
        async Task WorkAsync()
        {
            while (pending.TryDequeue(out var vehicle))
            {
                try
                {
                    await GrainFactory.GetGrain<IVehicleGrain>(vehicle.Vin).ReportStatusAsync(new VehicleStatusReport(vehicle.Status, vehicle.UpdatedAt,
                        new TransitionCause("fleet list (FLT-4)", "fleet"), vehicle.Model, vehicle.Category));
                }
                catch (Exception failure) when (failure is not OutOfMemoryException)
                {
                    // The next list that still differs reports it again.
                    failures++;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(ReportConcurrency, pending.Count)).Select(_ => WorkAsync()));
        if (changed.Count > 0)
        {
            LogReported(changed.Count, failures);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet list: {Changed} vehicles reported to their grains ({Failures} failed)")]
    private partial void LogReported(int changed, int failures);
}

/// <summary>The fleet list's settings, from configuration section "Fleet".</summary>
public sealed class FleetCatalogOptions
{
    public const string Section = "Fleet";

    /// <summary>How long a fetched list serves before the next caller fetches it again (and reports what changed).</summary>
    public TimeSpan ListFreshness { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>What a fresh fleet list says that the list before did not: plain, so it is tested without a cluster.</summary>
public static class FleetListChanges
{
    public static IReadOnlyList<FleetVehicle> Between(IReadOnlyList<FleetVehicle>? previous, IReadOnlyList<FleetVehicle> current)
    {
        var before = (previous ?? []).ToDictionary(vehicle => vehicle.Vin, StringComparer.OrdinalIgnoreCase);
        return [.. current.Where(vehicle => vehicle.Status != VehicleStatus.Unknown
            && (!before.TryGetValue(vehicle.Vin, out var known) || known.Status != vehicle.Status || known.UpdatedAt != vehicle.UpdatedAt))];
    }
}
