using System.Net;
using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// WH-5 and SEC-8 through HTTP: a source's 100 webhooks a minute are spent only by requests that passed
/// the allow-list and the signature, whatever spelling of its path they used, and another source keeps
/// its own allowance; refused requests are limited per client address, so an unsigned flood neither
/// spends the sender's allowance nor goes on unchecked. Its own platform, because the spent windows would
/// refuse the shared platform's fleet events for the rest of the minute. Each test sends from its own
/// loopback address (127.0.0.0/8 is allowed), so the tests do not spend each other's address windows.
/// </summary>
[Collection(RateLimitPlatformCollection.Name)]
public sealed class WebhookRateLimitTests(RateLimitPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    [Fact]
    public async Task SEC_8_after_500_unsigned_webhooks_from_one_address_a_signed_one_from_it_is_processed_and_the_flood_met_RATE_LIMITED()
    {
        using var flooder = From("127.0.0.2");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 500; i++)
        {
            using var response = await flooder.SendAsync(Unsigned(StripePath));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && statuses.Count(status => status == HttpStatusCode.TooManyRequests) == 1)
            {
                await AssertRateLimitedAsync(response);
            }
        }

        // The address's 100 refusals of the minute are told why; the rest of the flood meets 429.
        Assert.All(statuses.Take(100), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.All(statuses.Skip(100), status => Assert.Equal(HttpStatusCode.TooManyRequests, status));

        // The flood spent nothing of Stripe's allowance: its next signed event, even from the flooding address, goes through.
        using var signed = await flooder.SendAsync(SignedStripeEvent("evt_after_flood"));
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);

        // Another address still has its own allowance for refusals.
        using var other = From("127.0.0.3");
        using var elsewhere = await other.SendAsync(Unsigned(StripePath));
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
    }

    [Fact]
    public async Task WH_5_the_101st_signed_webhook_of_a_minute_from_a_source_is_RATE_LIMITED_whatever_the_path_spelling_and_other_sources_are_not()
    {
        using var sender = From("127.0.0.4");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 101; i++)
        {
            // Two spellings of one route: one source, one window.
            using var response = await sender.SendAsync(SignedFleetEvent($"evt-limit-{i}", i % 2 == 0 ? "/events/fleet" : "/EVENTS/Fleet"));
            statuses.Add(response.StatusCode);
            if (i == 100)
            {
                await AssertRateLimitedAsync(response);
            }
        }

        Assert.All(statuses.Take(100), status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[100]);

        // Stripe's window is its own: a verified event from the same address is answered, not limited.
        using var stripe = await sender.SendAsync(SignedStripeEvent("evt_other_source"));
        Assert.Equal(HttpStatusCode.OK, stripe.StatusCode);
    }

    private static async Task AssertRateLimitedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("RATE_LIMITED", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {response.Headers.RetryAfter}");
    }

    private const string StripePath = "/webhooks/payment/settlement";

    /// <summary>A verified Stripe event the platform has nothing to do with: acknowledged, and it spends one of Stripe's allowance.</summary>
    private HttpRequestMessage SignedStripeEvent(string id)
    {
        var body = CaaSCalls.StripeEvent(id, "payment_intent.created", "pi_" + id, new Dictionary<string, string>(), DateTimeOffset.UtcNow);
        return new HttpRequestMessage(HttpMethod.Post, Platform.ApiHost.BaseUrl + StripePath)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "Stripe-Signature", CaaSCalls.StripeSignature(body, DateTimeOffset.UtcNow) } },
        };
    }

    private HttpRequestMessage Unsigned(string path) => new(HttpMethod.Post, Platform.ApiHost.BaseUrl + path)
    {
        Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
    };

    private HttpRequestMessage SignedFleetEvent(string id, string path)
    {
        var body = JsonSerializer.Serialize(new { eventId = id, type = "VehicleStatusChanged", vin = fixture.Vin, occurredAt = DateTimeOffset.UtcNow, status = "Available" });
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, Platform.ApiHost.BaseUrl + path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", "v1," + CaaS.Hosting.StandardWebhooks.Sign(CaaSCalls.FleetSecret, id, timestamp, body));
        return request;
    }

    private static HttpClient From(string address) => LoopbackSenders.From(address);
}
