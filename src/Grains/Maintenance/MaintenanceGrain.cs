using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Maintenance;

public sealed partial class MaintenanceGrain(
    [PersistentState("maintenance", StorageNames.Grains)] IPersistentState<MaintenanceCacheState> state,
    TimeProvider time,
    ILogger<MaintenanceGrain> logger) : Grain, IMaintenanceGrain
{
    /// <summary>VSS-2: a result answers for VSS for one hour.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromHours(1);

    /// <summary>
    /// VSS-2: a result younger than an hour answers without asking VSS; an older one is asked for
    /// again, and when VSS cannot answer then, the purchase waits (VSS-5) rather than trust it.
    /// </summary>
    public async Task<MaintenanceCheck> CheckAsync()
    {
        var vin = this.GetPrimaryKeyString();
        if (Fresh() is { } cached)
        {
            return cached;
        }

        try
        {
            var report = await GrainFactory.GetGrain<IVssAdapterGrain>(0).GetMaintenanceAsync(vin);
            var now = time.GetUtcNow();
            state.State.Report = report;
            state.State.CheckedAt = now;
            await state.WriteStateAsync();
            return new MaintenanceCheck(report, now, FromCache: false);
        }
        catch (IntegrationException failure)
        {
            LogUnavailable(failure, vin);
            throw new DomainException(ErrorCodes.DependencyUnavailable,
                "The workshop system cannot confirm this vehicle's maintenance right now; the purchase is on hold until it can.");
        }
    }

    private MaintenanceCheck? Fresh() =>
        state.State is { Report: { } cached, CheckedAt: { } checkedAt } && time.GetUtcNow() - checkedAt < CacheLifetime
            ? new MaintenanceCheck(cached, checkedAt, FromCache: true)
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "VSS failed for {Vin} and no result younger than 1 h is cached")]
    private partial void LogUnavailable(Exception exception, string vin);
}
