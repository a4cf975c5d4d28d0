using System.Text.Json;
using CaaS.ApiHost;
using CaaS.ApiHost.Endpoints;
using CaaS.ApiHost.Webhooks;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using CaaS.Hosting;
using CaaS.Silo;
using CaaS.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace CaaS.Integration.Tests;

/// <summary>SEC-5 without a process: the development values known by hash, and each host's start-up checks.</summary>
public sealed class DevelopmentSecretsTests
{
    private const string StripeKey = "Integrations:Stripe:SecretKey";

    [Fact]
    public void SEC_5_the_built_in_hashes_are_those_of_the_secrets_in_config_local_json()
    {
        var local = LocalJson();

        Assert.All(DevelopmentSecrets.HashBySetting, entry => Assert.Equal(DevelopmentSecrets.Hash(local[entry.Key]!), entry.Value));
        // Every credential the file holds is known, so none can reach production unnoticed; names and ids are not secrets.
        var credentials = local.Where(entry => entry.Key.EndsWith("Key", StringComparison.Ordinal) || entry.Key.EndsWith("Secret", StringComparison.Ordinal));
        Assert.All(credentials, entry => Assert.Contains(entry.Key, DevelopmentSecrets.HashBySetting.Keys));
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void SEC_5_outside_Development_a_development_value_is_refused_naming_the_setting(string environment)
    {
        var refusals = DevelopmentSecrets.Refusals(Environment(environment), [new(StripeKey, SandboxSecrets.StripeSecretKey)]);

        Assert.Equal($"{StripeKey} is a development value; set it from the secret store.", Assert.Single(refusals));
    }

    [Fact]
    public void SEC_5_a_development_value_of_another_setting_is_refused_too()
    {
        var refusals = DevelopmentSecrets.Refusals(Environment("Production"), [new(StripeKey, SandboxSecrets.FleetSecret)]);

        Assert.Contains(StripeKey, Assert.Single(refusals), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void SEC_5_outside_Development_a_missing_secret_is_refused_naming_the_setting(string? value)
    {
        var refusals = DevelopmentSecrets.Refusals(Environment("Production"), [new(StripeKey, value)]);

        Assert.Equal($"{StripeKey} is not set; set it from the secret store.", Assert.Single(refusals));
    }

    [Fact]
    public void SEC_5_a_real_secret_is_accepted_and_no_environment_counts_as_production()
    {
        Assert.Empty(DevelopmentSecrets.Refusals(Environment("Production"), [new(StripeKey, "sk_live_" + Guid.NewGuid().ToString("N"))]));
        Assert.Single(DevelopmentSecrets.Refusals(null, [new(StripeKey, SandboxSecrets.StripeSecretKey)]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(SandboxSecrets.StripeSecretKey)]
    public void SEC_5_in_Development_anything_is_allowed(string? value) =>
        Assert.Empty(DevelopmentSecrets.Refusals(Environment("Development"), [new(StripeKey, value)]));

    [Fact]
    public void SEC_5_config_local_json_loads_in_Development_only()
    {
        var development = new ConfigurationBuilder().AddCaaSLocalDefaults(Environment("Development")).Build();
        var production = new ConfigurationBuilder().AddCaaSLocalDefaults(Environment("Production")).Build();

        Assert.Equal(SandboxSecrets.StripeSecretKey, development[StripeKey]);
        Assert.Null(production[StripeKey]);
    }

    [Fact]
    public void SEC_5_the_silo_refuses_each_system_whose_credentials_are_missing_or_development_ones()
    {
        var production = new IntegrationSecretsValidator(Environment("Production"));
        var development = new IntegrationSecretsValidator(Environment("Development"));

        var stripe = production.Validate(ExternalSystem.Stripe, new IntegrationOptions { SecretKey = SandboxSecrets.StripeSecretKey });
        var vss = production.Validate(ExternalSystem.Vss, new IntegrationOptions { ClientSecret = "real-" + Guid.NewGuid() });
        var fleet = production.Validate(ExternalSystem.Fleet, new IntegrationOptions { ApiKey = "real-" + Guid.NewGuid() });

        Assert.Contains(StripeKey + " is a development value", stripe.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Integrations:Vss:ClientId is not set", vss.FailureMessage, StringComparison.Ordinal);
        Assert.True(fleet.Succeeded);
        Assert.True(development.Validate(ExternalSystem.Stripe, new IntegrationOptions()).Succeeded);
    }

    [Theory]
    [InlineData(TokenOptions.AuthoritySetting, null, "is not set")]
    [InlineData(TokenOptions.AuthoritySetting, "http://127.0.0.1:5090", "must be https outside Development")]
    [InlineData(TokenOptions.AudienceSetting, " ", "is not set")]
    [InlineData("Integrations:Fleet:WebhookSecret", SandboxSecrets.FleetSecret, "is a development value")]
    [InlineData("Integrations:Stripe:WebhookSecret", null, "is not configured")]
    public void SEC_5_SEC_6_the_API_host_refuses_a_missing_or_plain_http_issuer_or_a_development_or_missing_webhook_secret(string setting, string? value, string reason)
    {
        var refused = Assert.Throws<OptionsValidationException>(() => ApiOptions("Production", new(RealApiSecrets) { [setting] = value }));

        Assert.Contains($"{setting} {reason}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SEC_5_the_API_host_takes_real_secrets_in_production_and_local_ones_in_Development()
    {
        ApiOptions("Production", RealApiSecrets);
        ApiOptions("Development", LocalJson().Where(entry => entry.Key.StartsWith("Identity", StringComparison.Ordinal) || entry.Key.EndsWith("WebhookSecret", StringComparison.Ordinal))
            .ToDictionary());
    }

    public static readonly Dictionary<string, string?> RealApiSecrets = new()
    {
        [TokenOptions.AuthoritySetting] = "https://login.caas.invalid/realms/caas",
        [TokenOptions.AudienceSetting] = "caas-api",
        ["Integrations:Stripe:WebhookSecret"] = "whsec_production_stripe",
        ["Integrations:Fleet:WebhookSecret"] = "whsec_cHJvZHVjdGlvbi1mbGVldA==",
        ["Integrations:Factory:WebhookSecret"] = "whsec_cHJvZHVjdGlvbi1mYWN0b3J5",
    };

    /// <summary>Resolves what the API host validates at start-up: its token settings and its webhook settings.</summary>
    private static void ApiOptions(string environment, Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(Environment(environment))
            .AddCaaSWebhooks()
            .AddCaaSAuthentication();
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptions<TokenOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<WebhookOptions>>().Value;
    }

    private static IHostEnvironment Environment(string name) => new HostingEnvironment { EnvironmentName = name };

    private static Dictionary<string, string?> LocalJson()
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "config", "local.json"))).RootElement, "", values);
        return values;
    }

    private static void Flatten(JsonElement element, string prefix, Dictionary<string, string?> values)
    {
        foreach (var property in element.EnumerateObject().Where(property => property.Name != "//"))
        {
            var key = prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}";
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                Flatten(property.Value, key, values);
            }
            else
            {
                values[key] = property.Value.GetString();
            }
        }
    }
}
