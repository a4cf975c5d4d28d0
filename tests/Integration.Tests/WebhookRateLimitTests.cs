using System.Net;
using System.Text.Json;
using CaaS.Integration.Tests.Support;

namespace CaaS.Integration.Tests;

/// <summary>
/// WH-5 through HTTP: the 101st webhook of a minute from one source is refused with RATE_LIMITED,
/// and another source keeps its own allowance. Its own platform, because the spent window would
/// refuse the shared platform's fleet events for the rest of the minute.
/// </summary>
public sealed class WebhookRateLimitTests : IAsyncLifetime
{
    private Platform _platform = null!;

    public async Task InitializeAsync() => _platform = await Platform.StartAsync();

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    [Fact]
    public async Task WH_5_a_source_over_100_webhooks_a_minute_is_RATE_LIMITED_and_other_sources_are_not()
    {
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 101; i++)
        {
            using var response = await PostUnsignedAsync("/events/fleet");
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal("RATE_LIMITED", problem.GetProperty("code").GetString());
            }
        }

        using var stripe = await PostUnsignedAsync("/webhooks/payment/settlement");

        // Unsigned, so each allowed one is refused by its signature check: the limit counts every delivery.
        Assert.All(answers.Take(100), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[100]);
        Assert.Equal(HttpStatusCode.Unauthorized, stripe.StatusCode);
    }

    private Task<HttpResponseMessage> PostUnsignedAsync(string path) =>
        _platform.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, _platform.ApiHost.BaseUrl + path)
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        });
}
