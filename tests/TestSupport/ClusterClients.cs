using System.Globalization;
using CaaS.ApiHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace CaaS.TestSupport;

/// <summary>
/// A cluster client set up exactly as the API host sets up its own (AddCaaSClient), for what a test
/// or the benchmark does as ops or checks inside grains. It is started; the caller disposes it.
/// </summary>
public static class ClusterClients
{
    /// <summary>At the one silo of a platform on the embedded default: no membership table to read, so its gateway is named.</summary>
    public static Task<IHost> ConnectEmbeddedAsync(string clusterId, int gatewayPort) =>
        StartAsync(new Dictionary<string, string?>
        {
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:Endpoints:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>Through the membership table in PostgreSQL, so the client finds whichever silos are alive, as they come and go.</summary>
    /// <param name="settings">More client configuration, added to (and winning over) the cluster's.</param>
    /// <param name="configure">Anything else the host needs before it is built, such as its logging.</param>
    /// <param name="orleans">Anything the client needs beyond AddCaaSClient: a test's own TLS, say.</param>
    public static Task<IHost> ConnectAsync(string clusterId, string connectionString,
        IReadOnlyDictionary<string, string?>? settings = null, Action<HostApplicationBuilder>? configure = null,
        Action<IClientBuilder>? orleans = null, CancellationToken cancellation = default)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Caas"] = connectionString,
            ["Orleans:ClusterId"] = clusterId,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return StartAsync(values, configure, orleans, cancellation);
    }

    private static async Task<IHost> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<HostApplicationBuilder>? configure = null,
        Action<IClientBuilder>? orleans = null, CancellationToken cancellation = default)
    {
        // SEC-5: a test's client is a local run like the hosts it talks to (HostProcess), whatever the runner's environment.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        configure?.Invoke(builder);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleansClient(client =>
        {
            client.AddCaaSClient(builder.Configuration);
            orleans?.Invoke(client);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellation);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }
}
