using Orleans.Dashboard;

namespace CaaS.Silo;

/// <summary>
/// The Orleans Dashboard (issue 17 point 3): the cluster as Orleans sees it, silos, grain types,
/// calls per grain method and their latency, for operators. It has no authentication of its own, so
/// it is served on the silo's own HTTP port, next to /health and /metrics, which the production shape
/// never publishes (docker-compose.yml maps only the API host's port): an operator reaches it through
/// the cluster's network (docker-compose exec, kubectl port-forward), never a customer. The profiler
/// it adds to every grain call samples only while someone has the dashboard open (GrainProfilerOptions'
/// default); bench/results/notes.md has its cost.
/// </summary>
public static class OperatorDashboard
{
    public const string Section = "Dashboard";
    public const string EnabledSetting = Section + ":Enabled";

    /// <summary>Profile every call even with nobody watching: how the cost of a watched dashboard is measured.</summary>
    public const string ProfileAlwaysSetting = Section + ":ProfileAlways";

    public const string Path = "/dashboard";

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue(EnabledSetting, true);

    public static ISiloBuilder AddCaaSDashboard(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (IsEnabled(configuration))
        {
            silo.AddDashboard();
            silo.Services.Configure<GrainProfilerOptions>(options => options.TraceAlways = configuration.GetValue(ProfileAlwaysSetting, false));
        }

        return silo;
    }

    public static IEndpointRouteBuilder MapCaaSDashboard(this IEndpointRouteBuilder endpoints, IConfiguration configuration)
    {
        if (IsEnabled(configuration))
        {
            endpoints.MapOrleansDashboard(routePrefix: Path);
        }

        return endpoints;
    }
}
