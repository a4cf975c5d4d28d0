using System.Net;
using CaaS.Hosting;
using Orleans.Configuration;
using Orleans.Connections.Security;

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

        client.UseCaaSTls(configuration, required: settings.UsesPostgres);
        client.AddActivityPropagation();
        return client;
    }

    /// <summary>
    /// The client side of the silos' mutual TLS (Orleans:Tls): it shows its certificate to the gateway
    /// and accepts only a gateway whose certificate comes from the cluster's CA. The API host, the tests'
    /// clients and the benchmark's all come through here.
    /// </summary>
    private static void UseCaaSTls(this IClientBuilder client, IConfiguration configuration, bool required)
    {
        if (ClusterTls.Register(client.Services, configuration, ClusterTlsRole.Client, required) is not { } tls)
        {
            return;
        }

        client.Services.AddSingleton(tls);
        client.UseTls(options =>
        {
            options.LocalCertificate = tls.Certificate;
            // Fail at start-up on a certificate unfit to present, rather than connect without one and be dropped.
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = tls.IsTrusted;
        });
    }
}
