using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CaaS.Grains.Abstractions;
using CaaS.Hosting;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Connections.Security;

namespace CaaS.Integration.Tests;

/// <summary>
/// Issue 16 point 6 on the production shape: two silos and the API host on PostgreSQL, every Orleans
/// connection mutual TLS with certificates from a CA made for this run. A client with that CA's
/// certificate joins; one without TLS, one with TLS but no certificate, and one with another CA's
/// certificate do not (any host on the network could otherwise call grains past the API's checks).
/// </summary>
public sealed class OrleansTlsTests
{
    private static readonly TimeSpan JoinBudget = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Orleans_TLS_the_cluster_runs_over_mutual_TLS_and_only_a_client_with_the_cluster_CA_s_certificate_joins()
    {
        using var tls = new OrleansTlsMaterial();
        await using var database = await PostgresDatabase.CreateAsync();
        // Ready means the API host's client answered a grain call through a gateway: client-to-gateway TLS works.
        await using var platform = await Platform.StartAsync(database.ConnectionString, silos: 2, settings: tls.PlatformEnvironment);

        using (var member = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString, tls.ClientSettings))
        {
            var grains = member.Services.GetRequiredService<IClusterClient>();
            Assert.NotEmpty(await grains.GetGrain<IHealthProbeGrain>(0).PingAsync());

            // Each silo answers the management grain wherever it was placed: silo-to-silo TLS works both ways.
            var management = grains.GetGrain<IManagementGrain>(0);
            var silos = await Eventually.Until(() => management.GetHosts(onlyActive: true), hosts => hosts.Count == 2, "both silos to be active");
            Assert.Equal(2, (await management.GetRuntimeStatistics([.. silos.Keys])).Length);
        }

        await AssertCannotJoinAsync(platform, database, "a client without TLS", client => { });
        await AssertCannotJoinAsync(platform, database, "a TLS client without a certificate", client => client.UseTls(options =>
        {
            options.ClientCertificateMode = RemoteCertificateMode.NoCertificate;
            options.AllowAnyRemoteCertificate();
        }));
        using var stranger = X509CertificateLoader.LoadPkcs12FromFile(tls.StrangerPath, tls.Password);
        await AssertCannotJoinAsync(platform, database, "a client with another CA's certificate", client => client.UseTls(options =>
        {
            options.LocalCertificate = stranger;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.AllowAnyRemoteCertificate();
        }));

        // The refusals cost the cluster nothing: a member still gets in.
        using var again = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString, tls.ClientSettings);
        Assert.NotEmpty(await again.Services.GetRequiredService<IClusterClient>().GetGrain<IHealthProbeGrain>(0).PingAsync());
    }

    /// <summary>
    /// Orleans retries a refused connection until told to stop; this client stops at the first refusal,
    /// so the test sees the gateway's answer rather than a time-out. Every gateway refuses, or it failed.
    /// </summary>
    private static async Task AssertCannotJoinAsync(Platform platform, PostgresDatabase database, string who, Action<IClientBuilder> orleans)
    {
        using var deadline = new CancellationTokenSource(JoinBudget);
        var refused = await Record.ExceptionAsync(async () =>
        {
            using var host = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString, orleans: client =>
            {
                orleans(client);
                client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            }, cancellation: deadline.Token);
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<IHealthProbeGrain>(0).PingAsync().WaitAsync(deadline.Token);
        });

        Assert.True(refused is not null, $"{who} joined the cluster and called a grain");
        Assert.True(refused is not OperationCanceledException, $"{who}: neither joined nor was refused within {JoinBudget} ({refused})");
        Assert.IsAssignableFrom<OrleansException>(refused);
    }
}

/// <summary>Orleans:Tls as a host reads it at start-up: what loads, and each way it is refused, naming the setting.</summary>
public sealed class OrleansTlsSettingsTests : IDisposable
{
    private readonly OrleansTlsMaterial _tls = new();

    public void Dispose() => _tls.Dispose();

    [Fact]
    public void A_PKCS12_silo_certificate_and_a_PEM_client_certificate_load_and_are_trusted_by_the_CA_alone_whatever_address_they_name()
    {
        using var silo = Load(new() { CertificatePath = _tls.SiloPath, CertificatePassword = _tls.Password, CaPath = _tls.CaPath }, ClusterTlsRole.Silo);
        using var client = Load(new() { CertificatePath = _tls.ClientPath, KeyPath = _tls.ClientKeyPath, CaPath = _tls.CaPath }, ClusterTlsRole.Client);
        using var stranger = X509CertificateLoader.LoadPkcs12FromFile(_tls.StrangerPath, _tls.Password);

        Assert.True(silo.Certificate.HasPrivateKey);
        Assert.True(client.Certificate.HasPrivateKey);
        // Silos advertise pod and container addresses, never the names in a certificate: a name mismatch does not count.
        Assert.True(silo.IsTrusted(client.Certificate, presented: null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.True(client.IsTrusted(silo.Certificate, presented: null, SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(silo.IsTrusted(stranger, presented: null, SslPolicyErrors.None));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "no CA", ClusterTlsOptions.CaPathSetting + " is not set" },
        { "no certificate", ClusterTlsOptions.CertificatePathSetting + " is not set" },
        { "missing file", ClusterTlsOptions.CertificatePathSetting + " names no readable file" },
        { "wrong password", ClusterTlsOptions.CertificatePathSetting + " could not be read" },
        { "another CA", ClusterTlsOptions.CertificatePathSetting + " is not issued by the CA" },
        { "client certificate on a silo", ClusterTlsOptions.CertificatePathSetting + " does not allow" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Orleans_TLS_settings_that_cannot_work_are_refused_naming_the_setting(string problem, string expected)
    {
        ClusterTlsOptions options = problem switch
        {
            "no CA" => new() { CertificatePath = _tls.SiloPath, CertificatePassword = _tls.Password },
            "no certificate" => new() { CaPath = _tls.CaPath },
            "missing file" => new() { CertificatePath = Path.Combine(_tls.Folder, "absent.p12"), CaPath = _tls.CaPath },
            "wrong password" => new() { CertificatePath = _tls.SiloPath, CertificatePassword = "wrong", CaPath = _tls.CaPath },
            "another CA" => new() { CertificatePath = _tls.StrangerPath, CertificatePassword = _tls.Password, CaPath = _tls.CaPath },
            _ => new() { CertificatePath = _tls.ClientPath, KeyPath = _tls.ClientKeyPath, CaPath = _tls.CaPath },
        };

        Assert.Null(ClusterTls.Load(options, ClusterTlsRole.Silo, out var problems));
        Assert.Contains(problems, found => found.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_set_is_TLS_off_without_a_problem()
    {
        Assert.Null(ClusterTls.Load(new ClusterTlsOptions(), ClusterTlsRole.Silo, out var problems));
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("Development", true, false)]
    [InlineData("Production", true, true)]
    [InlineData("Production", false, false)]
    public async Task Outside_Development_a_node_of_a_cluster_on_PostgreSQL_without_Orleans_TLS_refuses_to_start(string environment, bool postgres, bool refused)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        ClusterTls.Register(builder.Services, builder.Configuration, ClusterTlsRole.Silo, required: postgres);
        using var host = builder.Build();

        var failure = await Record.ExceptionAsync(() => host.StartAsync());

        Assert.Equal(refused, failure is Microsoft.Extensions.Options.OptionsValidationException);
        if (refused)
        {
            Assert.Contains(ClusterTlsOptions.CertificatePathSetting + " is not set", failure!.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(failure);
            await host.StopAsync();
        }
    }

    private static ClusterTls Load(ClusterTlsOptions options, ClusterTlsRole role) =>
        ClusterTls.Load(options, role, out var problems) ?? throw new Xunit.Sdk.XunitException(string.Join("\n", problems));
}
