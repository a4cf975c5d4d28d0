using System.Net;
using CaaS.ApiHost.Endpoints;
using CaaS.ApiHost.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CaaS.Integration.Tests;

/// <summary>The webhook settings as the API host binds and validates them at start-up, without a platform.</summary>
public sealed class WebhookOptionsTests
{
    private static readonly Dictionary<string, string?> Secrets = new()
    {
        ["Integrations:Stripe:WebhookSecret"] = "whsec_stripe",
        ["Integrations:Fleet:WebhookSecret"] = "whsec_fleet",
        ["Integrations:Factory:WebhookSecret"] = "whsec_factory",
    };

    [Fact]
    public void Every_source_gets_its_secret_from_the_Integrations_section_and_loopback_when_it_names_no_networks()
    {
        var options = Bind(Secrets);

        Assert.Equal("whsec_stripe", options.For("stripe").Secret);
        Assert.Equal("whsec_fleet", options.For("fleet").Secret);
        Assert.Equal("whsec_factory", options.For("factory").Secret);
        Assert.True(options.For("fleet").Allows(IPAddress.Loopback));
        Assert.True(options.For("fleet").Allows(IPAddress.IPv6Loopback));
        Assert.False(options.For("fleet").Allows(IPAddress.Parse("10.1.2.3")));
        Assert.Equal(100, options.RateLimitPerMinute);
        Assert.Equal(256 * 1024, options.MaxBodyBytes);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Tolerance);
    }

    [Fact]
    public void WH_4_configured_networks_replace_loopback_whatever_the_case_of_the_source_name()
    {
        var options = Bind(new(Secrets) { ["Webhooks:Sources:Stripe:AllowedNetworks:0"] = "10.0.0.0/8", ["Webhooks:RateLimitPerMinute"] = "7" });

        Assert.True(options.For("stripe").Allows(IPAddress.Parse("10.1.2.3")));
        Assert.False(options.For("stripe").Allows(IPAddress.Loopback));
        Assert.True(options.For("factory").Allows(IPAddress.Loopback));
        Assert.Equal(7, options.RateLimitPerMinute);
    }

    [Fact]
    public void A_secret_in_the_Webhooks_section_is_not_taken_for_the_one_the_sender_signs_with()
    {
        var options = Bind(new(Secrets) { ["Webhooks:Sources:stripe:Secret"] = "whsec_elsewhere" });

        Assert.Equal("whsec_stripe", options.For("stripe").Secret);
    }

    [Theory]
    [InlineData("Integrations:Fleet:WebhookSecret", null)]
    [InlineData("Integrations:Factory:WebhookSecret", " ")]
    [InlineData("Webhooks:Sources:fleet:AllowedNetworks:0", "not-a-network")]
    [InlineData("Webhooks:RateLimitPerMinute", "0")]
    [InlineData("Webhooks:MaxBodyBytes", "0")]
    [InlineData("Webhooks:Tolerance", "00:00:00")]
    public void The_host_refuses_to_start_without_a_secret_or_with_settings_that_cannot_work(string key, string? value)
    {
        var refused = Assert.Throws<OptionsValidationException>(() => Bind(new(Secrets) { [key] = value }));

        Assert.Contains(key.Split(':')[^1] is "0" ? "AllowedNetworks" : key.Split(':')[^1], refused.Message);
    }

    private static WebhookOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddCaaSWebhooks();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<WebhookOptions>>().Value;
    }
}
