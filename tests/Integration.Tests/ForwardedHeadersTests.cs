using System.Net;
using CaaS.ApiHost;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CaaS.Integration.Tests;

/// <summary>
/// SEC-8 behind a load balancer: Stripe's allow-list names only the sender's network (a documentation
/// range, never contacted), and the API host believes X-Forwarded-For from one proxy address and one
/// proxy network, all on loopback. A signed event relayed by a known proxy is judged by the sender it
/// names; the same request from an unknown address is judged by that address.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string StripePath = "/webhooks/payment/settlement";
    private const string Sender = "198.51.100.7";
    private const string KnownProxy = "127.0.0.41";
    private const string ProxyInKnownNetwork = "127.0.42.9";
    private const string UnknownProxy = "127.0.0.43";

    [Fact]
    public async Task SEC_8_the_webhook_allow_list_judges_the_forwarded_sender_from_a_known_proxy_and_the_connection_from_anyone_else()
    {
        await using var platform = await Platform.StartAsync(settings: new Dictionary<string, string?>
        {
            ["ForwardedHeaders__KnownProxies__0"] = KnownProxy,
            ["ForwardedHeaders__KnownNetworks__0"] = "127.0.42.0/24",
            ["Webhooks__Sources__stripe__AllowedNetworks__0"] = "198.51.100.0/24",
        });

        using (var relayed = await SendAsync(platform, KnownProxy, Sender, "evt_fwd_known_proxy"))
        {
            Assert.Equal(HttpStatusCode.OK, relayed.StatusCode);
        }

        using (var fromNetwork = await SendAsync(platform, ProxyInKnownNetwork, Sender, "evt_fwd_known_network"))
        {
            Assert.Equal(HttpStatusCode.OK, fromNetwork.StatusCode);
        }

        // A forged header from an address nobody named is not read: the allow-list sees the connection.
        using (var forged = await SendAsync(platform, UnknownProxy, Sender, "evt_fwd_unknown_proxy"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
            Assert.Contains(UnknownProxy, await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A known proxy relaying a sender outside the allow-list: refused, and the refusal names the sender, not the proxy.
        using var outsider = await SendAsync(platform, KnownProxy, "203.0.113.9", "evt_fwd_outsider");
        Assert.Equal(HttpStatusCode.Forbidden, outsider.StatusCode);
        Assert.Contains("203.0.113.9", await outsider.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.0.0.300")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/40")]
    [InlineData("ForwardedHeaders:ForwardLimit", "0")]
    public void SEC_8_a_proxy_setting_that_does_not_parse_stops_the_host_naming_it(string setting, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddCaaSForwardedHeaders().BuildServiceProvider();

        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ProxyOptions>>().Value);

        Assert.Contains(setting, refused.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> SendAsync(Platform platform, string from, string forwardedFor, string eventId)
    {
        var body = CaaSCalls.StripeEvent(eventId, "payment_intent.created", "pi_" + eventId, new Dictionary<string, string>(), DateTimeOffset.UtcNow);
        using var request = new HttpRequestMessage(HttpMethod.Post, platform.ApiHost.BaseUrl + StripePath)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            Headers =
            {
                { "Stripe-Signature", CaaSCalls.StripeSignature(body, DateTimeOffset.UtcNow) },
                { "X-Forwarded-For", forwardedFor },
            },
        };
        using var client = LoopbackSenders.From(from);
        return await client.SendAsync(request);
    }
}
