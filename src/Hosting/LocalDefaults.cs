using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace CaaS.Hosting;

public static class LocalDefaults
{
    public const string FileName = "local.json";

    /// <summary>
    /// Loads config/local.json (copied next to every host) as the lowest-precedence source: the
    /// credentials the platform and the sandbox share in local runs, in one file. appsettings,
    /// environment variables and the command line all override it, so production never uses it.
    /// </summary>
    public static IConfigurationBuilder AddCaaSLocalDefaults(this IConfigurationBuilder configuration)
    {
        var source = new JsonConfigurationSource { Path = Path.Combine(AppContext.BaseDirectory, FileName), Optional = true };
        source.ResolveFileProvider();
        configuration.Sources.Insert(0, source);
        return configuration;
    }
}
