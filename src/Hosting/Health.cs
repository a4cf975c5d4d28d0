using CaaS.Grains.Abstractions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CaaS.Hosting;

public static class HealthExtensions
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddCaaSHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ClusterAnswersHealthCheck>("cluster", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Live: the process serves HTTP. Ready: the cluster answers a grain call.</summary>
    public static IEndpointRouteBuilder MapCaaSHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return endpoints;
    }
}

internal sealed class ClusterAnswersHealthCheck(IGrainFactory grains) : IHealthCheck
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var silo = await grains.GetGrain<IHealthProbeGrain>(0).PingAsync().WaitAsync(Budget, cancellationToken);
            return HealthCheckResult.Healthy($"answered by {silo}");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("the cluster did not answer a grain call", exception);
        }
    }
}
