using System.Net;
using CaaS.Hosting;
using Orleans.Configuration;

namespace CaaS.ApiHost;

public static class ClientConfiguration
{
    /// <summary>The client side of the silo's AddCaaS: the same settings pick the same cluster.</summary>
    public static IClientBuilder AddCaaSClient(this IClientBuilder client, IConfiguration configuration)
    {
        var settings = ClusterSettings.From(configuration);
        client.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = settings.ClusterId;
            options.ServiceId = settings.ServiceId;
        });
        client.Services.Configure<ClientMessagingOptions>(configuration.GetSection("Orleans:Messaging"));
        client.Services.Configure<GatewayOptions>(configuration.GetSection("Orleans:Gateway"));

        if (settings.UsesPostgres)
        {
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = ClusterSettings.AdoInvariant;
                options.ConnectionString = settings.ConnectionString;
            });
        }
        else
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, settings.GatewayPort));
        }

        client.AddActivityPropagation();
        return client;
    }
}
