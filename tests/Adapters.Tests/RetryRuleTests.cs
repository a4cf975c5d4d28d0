using System.Net;
using CaaS.Grains.Integration;
using CaaS.Grains.Integration.Http;
using Polly;
using Polly.Timeout;

namespace CaaS.Adapters.Tests;

/// <summary>RES: what a retry may answer, and the rule that a POST without an idempotency key is never re-sent.</summary>
public sealed class RetryRuleTests
{
    private static HttpRequestMessage Get() => new(HttpMethod.Get, "http://x/a");

    private static HttpRequestMessage Post(bool withKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://x/a");
        if (withKey)
        {
            request.Headers.Add(IntegrationHeaders.IdempotencyKey, "order-1/register");
        }

        return request;
    }

    private static Outcome<HttpResponseMessage> Answer(HttpStatusCode status) => Outcome.FromResult(new HttpResponseMessage(status));

    private static Outcome<HttpResponseMessage> Thrown(Exception exception) => Outcome.FromException<HttpResponseMessage>(exception);

    [Fact]
    public void A_POST_without_an_idempotency_key_is_never_retried()
    {
        Assert.False(IntegrationServices.ShouldRetry(RetryOn.TransientFailures, Thrown(new HttpRequestException("reset")), Post(withKey: false)));
        Assert.False(IntegrationServices.ShouldRetry(RetryOn.TransientFailures, Answer(HttpStatusCode.ServiceUnavailable), Post(withKey: false)));
    }

    [Fact]
    public void A_POST_with_an_idempotency_key_is_retried_on_a_transient_failure()
    {
        Assert.True(IntegrationServices.ShouldRetry(RetryOn.TransientFailures, Answer(HttpStatusCode.ServiceUnavailable), Post(withKey: true)));
        Assert.True(IntegrationServices.ShouldRetry(RetryOn.TransientFailures, Thrown(new TimeoutRejectedException()), Post(withKey: true)));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.PaymentRequired, false)]
    [InlineData(HttpStatusCode.OK, false)]
    public void A_GET_is_retried_on_system_failures_only(HttpStatusCode status, bool retried) =>
        Assert.Equal(retried, IntegrationServices.ShouldRetry(RetryOn.TransientFailures, Answer(status), Get()));

    [Fact]
    public void The_payment_row_retries_network_errors_but_not_server_errors()
    {
        Assert.True(IntegrationServices.ShouldRetry(RetryOn.NetworkErrors, Thrown(new HttpRequestException("refused")), Post(withKey: true)));
        Assert.True(IntegrationServices.ShouldRetry(RetryOn.NetworkErrors, Thrown(new TimeoutRejectedException()), Post(withKey: true)));
        Assert.False(IntegrationServices.ShouldRetry(RetryOn.NetworkErrors, Answer(HttpStatusCode.ServiceUnavailable), Post(withKey: true)));
    }

    [Fact]
    public void A_request_refused_by_an_open_breaker_is_not_retried() =>
        Assert.False(IntegrationServices.ShouldRetry(RetryOn.TransientFailures, Thrown(new CircuitOpenException("vss")), Get()));
}
