using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CaaS.Adapters.Tests;

/// <summary>
/// FAC-6 and SEC-3 in the production shape: outside Development a host with a plain-http integration
/// address refuses to start, loopback included; Development (local runs, the sandbox overlay) keeps plain http.
/// </summary>
public sealed class IntegrationUrlRuleTests
{
    [Theory]
    [InlineData("Integrations:Factory:BaseUrl", "http://factory.example.com")]
    [InlineData("Integrations:Iot:BaseUrl", "http://10.0.0.7:8080")]
    [InlineData("Integrations:Registration:Countries:ES:BaseUrl", "http://dgt.example.es")]
    [InlineData("Integrations:Customer:BaseUrl", "http://localhost:5090")]
    [InlineData("Integrations:Iot:BaseUrl", "http://[::1]:5090")]
    public async Task FAC_6_outside_Development_a_plain_http_integration_url_stops_the_host_from_starting(string setting, string url)
    {
        using var host = Host(Environments.Production, new Dictionary<string, string?> { [setting] = url });

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(setting, refused.Message, StringComparison.Ordinal);
        Assert.Contains("https", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FAC_6_in_Development_a_plain_http_integration_url_is_allowed()
    {
        using var host = Host(Environments.Development, new Dictionary<string, string?> { ["Integrations:Factory:BaseUrl"] = "http://factory.example.com" });

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task FAC_6_in_production_https_everywhere_starts()
    {
        using var host = Host(Environments.Production, new Dictionary<string, string?>
        {
            ["Integrations:Factory:BaseUrl"] = "https://factory.example.com",
            ["Integrations:Stripe:BaseUrl"] = "https://api.stripe.com",
            ["Integrations:Customer:BaseUrl"] = "https://localhost:5090",
        });

        await host.StartAsync();
        await host.StopAsync();
    }

    [Theory]
    [InlineData("https://factory.example.com", true)]
    [InlineData("https://127.0.0.1:5090", true)]
    [InlineData("http://127.0.0.1:5090", false)]
    [InlineData("http://127.5.0.1:5090", false)]
    [InlineData("http://[::1]:5090", false)]
    [InlineData("http://factory.example.com", false)]
    [InlineData("http://localhost.example.com", false)]
    [InlineData("ftp://127.0.0.1", false)]
    public void FAC_6_what_counts_as_an_acceptable_integration_address(string url, bool acceptable) =>
        Assert.Equal(acceptable, IntegrationUrlValidator.IsAcceptable(new Uri(url)));

    /// <summary>Every other system gets an https address, so only the setting under test can fail.</summary>
    private static IHost Host(string environment, Dictionary<string, string?> settings)
    {
        foreach (var system in ExternalSystem.All)
        {
            settings.TryAdd(IntegrationOptions.SectionFor(system) + ":BaseUrl", $"https://{system.ToLowerInvariant()}.example.com");
        }

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = environment,
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddCaaSIntegrations();
        return builder.Build();
    }
}
