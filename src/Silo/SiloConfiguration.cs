using System.Net;
using CaaS.Grains;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Integration;
using CaaS.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orleans.Storage;

namespace CaaS.Silo;

public static class SiloConfiguration
{
    /// <summary>
    /// The one place that decides what a silo runs on. Without a connection string: localhost
    /// clustering and state in memory, so `./run.sh` needs nothing installed. With one: ADO.NET
    /// clustering, grain storage and reminders on PostgreSQL, the production shape.
    /// </summary>
    public static ISiloBuilder AddCaaS(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = ClusterSettings.From(configuration);
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = settings.ClusterId;
            options.ServiceId = settings.ServiceId;
        });
        // How fast a dead silo is declared dead, and how long a call waits, are operations' choice:
        // Orleans__Membership__ProbeTimeout, Orleans__Messaging__ResponseTimeout and their siblings.
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));
        silo.Services.Configure<SiloMessagingOptions>(configuration.GetSection("Orleans:Messaging"));
        // Not under "Orleans": Orleans reads Orleans:Reminders as a provider choice.
        silo.Services.Configure<ReminderOptions>(configuration.GetSection("Reminders"));
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IntegrationOptions>, IntegrationSecretsValidator>());
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Grains.Analytics.AnalyticsOptions>, PseudonymKeyValidator>());

        if (settings.UsesPostgres)
        {
            if (configuration.GetValue<bool>(KubernetesSetting))
            {
                // The pod gives the advertised address (POD_IP), the silo name and the cluster's ids
                // (its orleans/* labels); a fixed address here would win over the pod's, so only ports are set.
                silo.Configure<EndpointOptions>(endpoints =>
                {
                    endpoints.SiloPort = settings.SiloPort;
                    endpoints.GatewayPort = settings.GatewayPort;
                });
                silo.UseKubernetesHosting();
            }
            else
            {
                silo.ConfigureEndpoints(AdvertisedAddress(configuration), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            }

            var connectionString = ForProviders(settings.ConnectionString!);
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = ClusterSettings.AdoInvariant;
                options.ConnectionString = connectionString;
            });
            silo.AddCaaSGrainStorage(StorageNames.Grains, connectionString);
            silo.UseAdoNetReminderService(options =>
            {
                options.Invariant = ClusterSettings.AdoInvariant;
                options.ConnectionString = connectionString;
            });
            silo.Services.AddSingleton<Grains.Events.IRecentlyWrittenFlows>(services =>
                new PostgresWrittenFlows(connectionString, services.GetRequiredService<IOptions<ClusterOptions>>()));
            silo.Services.AddSingleton<Grains.Analytics.IBookingDayRows>(services =>
                new PostgresBookingDayRows(connectionString, services.GetRequiredService<IOptions<ClusterOptions>>()));
            silo.Services.AddSingleton<Grains.Operations.IFlowIndexRows>(services =>
                new PostgresFlowIndexRows(connectionString, services.GetRequiredService<IOptions<ClusterOptions>>()));
            silo.Services.AddSingleton<Grains.Operations.IRevenueDayRows>(services =>
                new PostgresRevenueDayRows(connectionString, services.GetRequiredService<IOptions<ClusterOptions>>()));
        }
        else
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
            silo.AddMemoryGrainStorage(StorageNames.Grains);
            silo.UseInMemoryReminderService();
        }

        silo.UseCaaSTls(configuration, required: settings.UsesPostgres);
        silo.AddCaaSGrains();
        silo.AddActivityPropagation();
        return silo;
    }

    /// <summary>Orleans__Kubernetes=true: deploy/k8s/ runs the silos as pods (Orleans' Kubernetes hosting).</summary>
    public const string KubernetesSetting = "Orleans:Kubernetes";

    /// <summary>
    /// Silo-to-silo and client-to-gateway traffic over mutual TLS when Orleans:Tls is set: every peer,
    /// silo or client, shows a certificate from the cluster's CA, or its connection is dropped.
    /// </summary>
    private static void UseCaaSTls(this ISiloBuilder silo, IConfiguration configuration, bool required)
    {
        if (ClusterTls.Register(silo.Services, configuration, ClusterTlsRole.Silo, required) is not { } tls)
        {
            return;
        }

        silo.Services.AddSingleton(tls);
        silo.UseTls(options =>
        {
            options.LocalCertificate = tls.Certificate;
            // Inbound (silos and clients) must show a certificate; Orleans' client default would only allow one.
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = tls.IsTrusted;
        });
    }

    /// <summary>
    /// ADO.NET grain storage on PostgreSQL as the platform writes it; the benchmark's write baseline
    /// uses this too, so it measures the very provider, schema and format grains get.
    /// </summary>
    public static ISiloBuilder AddCaaSGrainStorage(this ISiloBuilder silo, string name, string connectionString) =>
        silo.AddAdoNetGrainStorage(name, options => options.Configure<Orleans.Serialization.Serializer>((storage, serializer) =>
        {
            storage.Invariant = ClusterSettings.AdoInvariant;
            storage.ConnectionString = ForProviders(connectionString);
            // Orleans' own binary format: the state types already carry [GenerateSerializer] and
            // [Id]s, so this is version tolerant and several times cheaper than JSON per write.
            storage.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));

    /// <summary>
    /// The Orleans ADO.NET providers run the same few statements all day on pooled connections.
    /// Prepared once per connection (Max Auto Prepare), PostgreSQL stops parsing and planning the
    /// storage upsert on every write; without the reset each time a connection returns to the pool
    /// (No Reset On Close; the providers keep no session state) a write is one round trip. Together
    /// they about double the writes a second storage takes (B_write: 7.1k against 3.4k without them).
    /// Settings the connection string already has win.
    /// </summary>
    public static string ForProviders(string connectionString)
    {
        // Npgsql's own builder answers every keyword it knows as present; the plain one lists what was written.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains(nameof(builder.MaxAutoPrepare)))
        {
            builder.MaxAutoPrepare = 32;
        }

        if (!given.Contains(nameof(builder.NoResetOnClose)))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Silos on one machine talk over loopback; in containers each silo must advertise the address
    /// its peers can reach, which `hostname` resolves to (Orleans__Endpoints__AdvertisedIPAddress=hostname).
    /// </summary>
    private static IPAddress AdvertisedAddress(IConfiguration configuration)
    {
        var configured = configuration["Orleans:Endpoints:AdvertisedIPAddress"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return IPAddress.Loopback;
        }

        if (configured == "hostname")
        {
            return Dns.GetHostAddresses(Dns.GetHostName())
                .First(address => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        }

        return IPAddress.Parse(configured);
    }
}
