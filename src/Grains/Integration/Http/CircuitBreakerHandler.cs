namespace CaaS.Grains.Integration.Http;

/// <summary>Thrown instead of sending when the system's breaker is open; never retried.</summary>
public sealed class CircuitOpenException(string system) : Exception($"the {system} circuit breaker is open");

/// <summary>Asks the system's breaker before every attempt and tells it how the attempt ended.</summary>
public sealed class CircuitBreakerHandler(CircuitBreaker breaker) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!breaker.TryAcquire(out var isProbe))
        {
            throw new CircuitOpenException(breaker.System);
        }

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch
        {
            breaker.OnFailure(isProbe);
            throw;
        }

        if (Failures.IsSystemFailure(response.StatusCode))
        {
            breaker.OnFailure(isProbe);
        }
        else
        {
            breaker.OnSuccess(isProbe);
        }

        return response;
    }
}
