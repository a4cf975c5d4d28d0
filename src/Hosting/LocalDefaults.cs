using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Hosting;

namespace CaaS.Hosting;

public static class LocalDefaults
{
    public const string FileName = "local.json";

    /// <summary>
    /// SEC-5: in Development only, loads config/local.json (copied next to every host) as the
    /// lowest-precedence source: the credentials the platform and the sandbox share in local runs, in
    /// one file. In any other environment the file is not read at all, so a production host can only
    /// get its secrets from its own configuration (and <see cref="DevelopmentSecrets"/> refuses these
    /// values there even when they are copied in by hand).
    /// </summary>
    public static IConfigurationBuilder AddCaaSLocalDefaults(this IConfigurationBuilder configuration, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            return configuration;
        }

        var source = new JsonConfigurationSource { Path = Path.Combine(AppContext.BaseDirectory, FileName), Optional = true };
        source.ResolveFileProvider();
        configuration.Sources.Insert(0, source);
        return configuration;
    }

    public static IHostApplicationBuilder AddCaaSLocalDefaults(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddCaaSLocalDefaults(builder.Environment);
        return builder;
    }
}
