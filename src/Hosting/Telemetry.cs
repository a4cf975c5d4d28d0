using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaaS.Grains.Abstractions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CaaS.Hosting;

public static class TelemetryExtensions
{
    private const string NpgsqlMeter = "Npgsql";

    /// <summary>On unless set false: what Npgsql's instrumentation costs is measured with it off (bench --no-database-telemetry).</summary>
    public const string DatabaseTelemetrySetting = "Telemetry:Database";

    /// <summary>
    /// Traces and metrics for one process. Metrics are always scraped at /metrics; traces leave the
    /// process only when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT), so the exporter
    /// is configuration, not code. Database calls are traced and measured by Npgsql's own
    /// instrumentation (Orleans' ADO.NET providers and the schema migrator use Npgsql). Duration
    /// histograms carry explicit bucket bounds in seconds: the platform's own instruments say theirs
    /// (InstrumentAdvice), Npgsql's get <see cref="CaaS.Grains.Abstractions.HistogramBuckets.IntegrationCalls"/> here.
    /// </summary>
    public static IHostApplicationBuilder AddCaaSTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        var otlp = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var database = builder.Configuration.GetValue(DatabaseTelemetrySetting, true);
        // OBS-2: ASP.NET Core reads the incoming trace through the propagator it finds here.
        builder.Services.AddSingleton<DistributedContextPropagator>(new TraceIdHeaderPropagator(DistributedContextPropagator.Current));
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(CaaSDiagnostics.SourceName, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsScrapeOrProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsqlWhen(database))
            .WithMetrics(metrics => metrics
                .AddMeter(CaaSDiagnostics.SourceName, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentationWhen(database)
                .AddView(instrument => instrument.Meter.Name == NpgsqlMeter && instrument is Histogram<double> && instrument.Unit == "s"
                    ? new ExplicitBucketHistogramConfiguration { Boundaries = [.. CaaS.Grains.Abstractions.HistogramBuckets.IntegrationCalls] }
                    : null)
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(otlp))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    private static TracerProviderBuilder AddNpgsqlWhen(this TracerProviderBuilder tracing, bool on) => on ? tracing.AddNpgsql() : tracing;

    private static MeterProviderBuilder AddNpgsqlInstrumentationWhen(this MeterProviderBuilder metrics, bool on) => on ? metrics.AddNpgsqlInstrumentation() : metrics;

    public static IEndpointRouteBuilder MapCaaSMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
        return endpoints;
    }

    private static bool IsScrapeOrProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health");
}
