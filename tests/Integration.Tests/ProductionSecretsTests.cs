using System.Globalization;
using CaaS.ApiHost;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using CaaS.Hosting;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// SEC-5 as an operator meets it: the Silo and the API host started as Production, each as a real
/// process, with a development secret or without one they need, end non-zero naming the setting.
/// </summary>
public sealed class ProductionSecretsTests
{
    private static readonly TimeSpan ExitBudget = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> RealSiloSecrets = new()
    {
        ["Integrations__Customer__ApiKey"] = "prod-customer",
        ["Integrations__Stripe__SecretKey"] = "sk_live_prod",
        ["Integrations__Fleet__ApiKey"] = "prod-fleet",
        ["Integrations__Factory__ApiKey"] = "prod-factory",
        ["Integrations__Iot__PreSharedKey"] = "prod-iot",
        ["Integrations__Vss__ClientId"] = "caas-platform",
        ["Integrations__Vss__ClientSecret"] = "prod-vss",
        ["Integrations__Registration__ApiKey"] = "prod-registration",
        ["Integrations__Notifications__ApiKey"] = "prod-notifications",
        ["Analytics__PseudonymKey"] = "prod-analytics-pseudonym-key-0123456789abcdef",
    };

    public static TheoryData<string, string, string?> Refused => new()
    {
        { "Silo", "Integrations:Stripe:SecretKey", SandboxSecrets.StripeSecretKey },
        { "Silo", "Integrations:Iot:PreSharedKey", "local-iot-pre-shared-key" },
        { "Silo", "Integrations:Vss:ClientSecret", null },
        { "Silo", "Analytics:PseudonymKey", "local-analytics-pseudonym-key-change-me-0123456789" },
        { "ApiHost", "Integrations:Factory:WebhookSecret", SandboxSecrets.FactorySecret },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task SEC_5_a_host_started_as_Production_with_a_development_or_missing_secret_exits_non_zero_naming_the_setting(
        string project, string setting, string? value)
    {
        var environment = Production(project);
        environment[setting.Replace(":", "__", StringComparison.Ordinal)] = value;
        await using var host = HostProcess.Start(project, $"http://127.0.0.1:{Repository.FreePort()}", environment);

        var exitCode = await host.WaitForExitAsync(ExitBudget);

        Assert.True(exitCode != 0, $"{project} exited with 0:\n{host.RecentOutput}");
        Assert.Contains(setting, host.RecentOutput, StringComparison.Ordinal);
        Assert.Contains(value is null ? "is not set" : "is a development value", host.RecentOutput, StringComparison.Ordinal);
    }

    /// <summary>SEC-6: outside Development the API host trusts only an issuer it is told of, and reads its keys over https only.</summary>
    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("", "is not set")]
    [InlineData("http://idp.example.com", "must be https outside Development")]
    public async Task SEC_6_an_API_host_started_as_Production_without_an_https_Identity_Authority_exits_non_zero_naming_the_setting(string? authority, string reason)
    {
        var environment = Production("ApiHost");
        environment["Identity__Authority"] = authority;
        await using var host = HostProcess.Start("ApiHost", $"http://127.0.0.1:{Repository.FreePort()}", environment);

        var exitCode = await host.WaitForExitAsync(ExitBudget);

        Assert.True(exitCode != 0, $"the API host exited with 0:\n{host.RecentOutput}");
        Assert.Contains($"{TokenOptions.AuthoritySetting} {reason}", host.RecentOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Silo")]
    [InlineData("ApiHost")]
    public async Task SEC_5_a_host_started_as_Production_on_PostgreSQL_without_Orleans_TLS_exits_non_zero_naming_the_setting(string project)
    {
        var environment = Production(project);
        // Never reached: the refusal comes before Orleans opens a connection.
        environment["ConnectionStrings__Caas"] = "Host=127.0.0.1;Port=1;Username=caas;Password=unused;Database=caas";
        await using var host = HostProcess.Start(project, $"http://127.0.0.1:{Repository.FreePort()}", environment);

        var exitCode = await host.WaitForExitAsync(ExitBudget);

        Assert.True(exitCode != 0, $"{project} exited with 0:\n{host.RecentOutput}");
        Assert.Contains($"{ClusterTlsOptions.CertificatePathSetting} is not set", host.RecentOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SEC_5_a_silo_started_as_Production_with_real_secrets_and_no_local_json_becomes_ready()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var silo = HostProcess.Start("Silo", $"http://127.0.0.1:{Repository.FreePort()}", Production("Silo"));

        await silo.WaitUntilReadyAsync(http);
    }

    [Fact]
    public async Task SEC_5_the_sandbox_refuses_to_run_outside_Development()
    {
        await using var sandbox = HostProcess.Start("Sandbox", $"http://127.0.0.1:{Repository.FreePort()}", Production("Sandbox"));

        Assert.NotEqual(0, await sandbox.WaitForExitAsync(ExitBudget));
        Assert.Contains("Development", sandbox.RecentOutput, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Production(string project)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Orleans__ClusterId"] = "sec5-" + Guid.NewGuid().ToString("N")[..8],
            ["Orleans__Endpoints__SiloPort"] = Repository.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = Repository.FreePort().ToString(CultureInfo.InvariantCulture),
            ["ConnectionStrings__Caas"] = null,
        };
        // Outside Development every integration is https (loopback too), as docker-compose.yml gives them.
        foreach (var system in ExternalSystem.All)
        {
            environment[IntegrationOptions.SectionFor(system).Replace(":", "__", StringComparison.Ordinal) + "__BaseUrl"] =
                $"https://{system}.caas.invalid";
        }

        var secrets = project == "ApiHost"
            ? DevelopmentSecretsTests.RealApiSecrets.ToDictionary(entry => entry.Key.Replace(":", "__", StringComparison.Ordinal), entry => entry.Value)
            : RealSiloSecrets;
        foreach (var (key, value) in secrets)
        {
            environment[key] = value;
        }

        return environment;
    }
}
