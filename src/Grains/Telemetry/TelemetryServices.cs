using CaaS.Grains.Abstractions.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using CaaS.Grains.Flows;
using CaaS.Grains.Telemetry;
using Microsoft.Extensions.Options;

// Beside AddCaaSGrains, so its one call needs no using.
namespace CaaS.Grains;

public static class TelemetryServices
{
    /// <summary>
    /// IOT-7: the poller's options and metrics, and a startup task that makes sure every partition
    /// polls. Every silo runs the task; it is idempotent, so whichever silo starts first wins and the
    /// others change nothing.
    /// </summary>
    public static ISiloBuilder AddTelemetryPolling(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<TelemetryPollerOptions>()
            .BindConfiguration(TelemetryPollerOptions.Section)
            .Validate(settings => settings.IsValid(),
                $"{TelemetryPollerOptions.Section}: Interval, StaleContactAfter and MaxBackoff must be positive, Partitions and MaxConcurrency at least 1, thresholds and WriteBehind not negative.")
            .ValidateOnStart();
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<TelemetryMetrics>();
        silo.AddStandingStartupTask("the telemetry poller's partitions", async services =>
        {
            var settings = services.GetRequiredService<IOptions<TelemetryPollerOptions>>().Value;
            if (!settings.Enabled)
            {
                // Partitions left from a run with the poller on retire at their next watchdog tick.
                return;
            }

            var grains = services.GetRequiredService<IGrainFactory>();
            await Task.WhenAll(Enumerable.Range(0, settings.Partitions)
                .Select(partition => grains.GetGrain<ITelemetryPollerGrain>(partition).EnsureRunningAsync()));
        });
        return silo;
    }
}
