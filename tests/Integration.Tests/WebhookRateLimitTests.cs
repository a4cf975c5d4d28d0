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
        // Each source in turn spends its own window while the ones after it have spent nothing: a shared
        // window would refuse the next source's first delivery.
        var answers = new Dictionary<string, List<HttpStatusCode>>();
        foreach (var path in new[] { "/events/fleet", "/webhooks/payment/settlement", "/webhooks/factory/status" })
        {
            answers[path] = [];
            for (var i = 0; i < 101; i++)
            {
                using var response = await PostUnsignedAsync(path);
                answers[path].Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    Assert.Equal("RATE_LIMITED", problem.GetProperty("code").GetString());
                }
            }
        }

        foreach (var (path, statuses) in answers)
        {
            // Unsigned, so each allowed one is refused by its signature check: the limit counts every delivery.
            Assert.All(statuses.Take(100), status => Assert.True(status == HttpStatusCode.Unauthorized, $"{path}: {status}"));
            Assert.True(statuses[100] == HttpStatusCode.TooManyRequests, $"{path}: the 101st was {statuses[100]}");
        }
    }

    private Task<HttpResponseMessage> PostUnsignedAsync(string path) =>
        _platform.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, _platform.ApiHost.BaseUrl + path)
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        });
}
