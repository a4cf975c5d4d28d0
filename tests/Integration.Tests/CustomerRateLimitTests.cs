using System.Net;
using System.Text.Json;
using CaaS.Integration.Tests.Support;

namespace CaaS.Integration.Tests;

/// <summary>
/// SEC-8 through HTTP, with the default limits (30 writes and 300 reads a minute per token subject):
/// a burst of booking attempts meets 429 RATE_LIMITED with Retry-After, another customer is not
/// affected, and reads keep their own allowance.
/// </summary>
[Collection(RateLimitPlatformCollection.Name)]
public sealed class CustomerRateLimitTests(RateLimitPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    [Fact]
    public async Task SEC_8_a_burst_of_booking_attempts_by_one_customer_is_RATE_LIMITED_and_another_customer_and_the_same_customers_reads_are_not()
    {
        var (_, eager) = await Calls.CustomerAsync();
        var (_, other) = await Calls.CustomerAsync();

        // Invalid attempts are cheap to send and still spend the allowance: the limit comes before any work.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 31; i++)
        {
            using var attempt = await Platform.SendAsync(HttpMethod.Post, "/api/reservations", eager, new { });
            statuses.Add(attempt.StatusCode);
            if (i == 30)
            {
                await AssertRateLimitedAsync(attempt);
            }
        }

        Assert.All(statuses.Take(30), status => Assert.Equal(HttpStatusCode.BadRequest, status));
        using (var theirs = await Platform.SendAsync(HttpMethod.Post, "/api/reservations", other, new { }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, theirs.StatusCode);
        }

        using var read = await Platform.SendAsync(HttpMethod.Get, "/api/reservations/res-none", eager);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task SEC_8_reads_are_limited_per_subject_apart_from_writes()
    {
        var (_, reader) = await Calls.CustomerAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 301; i++)
        {
            using var response = await Platform.SendAsync(HttpMethod.Get, "/api/reservations/res-none", reader);
            statuses.Add(response.StatusCode);
            if (i == 300)
            {
                await AssertRateLimitedAsync(response);
            }
        }

        Assert.All(statuses.Take(300), status => Assert.Equal(HttpStatusCode.NotFound, status));
        // The vehicle routes count against the same reads; the writes are untouched.
        using var vehicle = await Platform.SendAsync(HttpMethod.Get, $"/api/vehicles/{fixture.Vin}", reader);
        Assert.Equal(HttpStatusCode.TooManyRequests, vehicle.StatusCode);
        using var write = await Platform.SendAsync(HttpMethod.Post, "/api/reservations", reader, new { });
        Assert.Equal(HttpStatusCode.BadRequest, write.StatusCode);
    }

    private static async Task AssertRateLimitedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("RATE_LIMITED", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {response.Headers.RetryAfter}");
    }
}

/// <summary>A platform with the default limits, its windows spent only by the rate-limit tests.</summary>
public sealed class RateLimitPlatformFixture : IAsyncLifetime
{
    public Platform Platform { get; private set; } = null!;

    public string Vin { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Platform = await Platform.StartAsync();
        Vin = (await new CaaSCalls(Platform).FleetVehicleAsync(0)).Vin;
    }

    public async Task DisposeAsync() => await Platform.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RateLimitPlatformCollection : ICollectionFixture<RateLimitPlatformFixture>
{
    public const string Name = "rate limit platform";
}
