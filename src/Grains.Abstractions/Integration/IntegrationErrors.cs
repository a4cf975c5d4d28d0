namespace CaaS.Grains.Abstractions.Integration;

/// <summary>
/// What went wrong talking to an external system, in the platform's terms. Adapters translate every
/// wire-level failure into one of these; entity grains decide the business outcome from them.
/// </summary>
[GenerateSerializer, Alias("caas.integration-exception")]
public abstract class IntegrationException : Exception
{
    protected IntegrationException(string system, string message, Exception? inner = null) : base(message, inner) =>
        System = system;

    [Id(0)]
    public string System { get; private set; }
}

/// <summary>The system could not be reached or answered with a server error, or its breaker is open.</summary>
[GenerateSerializer, Alias("caas.dependency-unavailable")]
public sealed class DependencyUnavailableException : IntegrationException
{
    public DependencyUnavailableException(string system, string message, bool circuitOpen = false, Exception? inner = null, TimeSpan? retryAfter = null)
        : base(system, message, inner)
    {
        CircuitOpen = circuitOpen;
        RetryAfter = retryAfter;
    }

    /// <summary>True when no request was sent because the system's circuit breaker is open.</summary>
    [Id(0)]
    public bool CircuitOpen { get; private set; }

    /// <summary>When the request may go through again, where that is known (the breaker's break ends, a queue drains).</summary>
    [Id(1)]
    public TimeSpan? RetryAfter { get; private set; }
}

/// <summary>
/// API IoT could not reach one vehicle while it answers for others: a result for
/// that vehicle's flow, not a failure of API IoT, so no breaker counted it. Retrying soon rarely
/// helps; the car answers again once it is back in coverage.
/// </summary>
[GenerateSerializer, Alias("caas.vehicle-unreachable")]
public sealed class VehicleUnreachableException : IntegrationException
{
    public VehicleUnreachableException(string system, string vin, string message)
        : base(system, message) => Vin = vin;

    [Id(0)]
    public string Vin { get; private set; }
}

/// <summary>The system did not answer within its timeout (RES).</summary>
[GenerateSerializer, Alias("caas.dependency-timeout")]
public sealed class DependencyTimeoutException : IntegrationException
{
    public DependencyTimeoutException(string system, TimeSpan timeout, Exception? inner = null)
        : base(system, $"{system} did not answer within {timeout.TotalSeconds:0.###} s", inner) => Timeout = timeout;

    [Id(0)]
    public TimeSpan Timeout { get; private set; }
}

/// <summary>The system answered and said no (a 4xx): retrying the same request cannot help.</summary>
[GenerateSerializer, Alias("caas.dependency-rejected")]
public sealed class DependencyRejectedException : IntegrationException
{
    public DependencyRejectedException(string system, int statusCode, string reason, string message)
        : base(system, message)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    [Id(0)]
    public int StatusCode { get; private set; }

    /// <summary>The system's own error code (for example Stripe's card_declined).</summary>
    [Id(1)]
    public string Reason { get; private set; }

    public const string CredentialsRefused = "credentials_refused";
}

/// <summary>The card was declined (PAY-5): a business answer, never retried.</summary>
[GenerateSerializer, Alias("caas.payment-declined")]
public sealed class PaymentDeclinedException : IntegrationException
{
    public PaymentDeclinedException(string declineCode, string message) : base(ExternalSystem.Stripe, message) =>
        DeclineCode = declineCode;

    [Id(0)]
    public string DeclineCode { get; private set; }
}
