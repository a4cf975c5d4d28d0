namespace CaaS.Grains.Abstractions;

/// <summary>
/// A business rule refused the request. <see cref="Code"/> is one of <see cref="ErrorCodes"/>;
/// the API host maps it to its problem answer, so a grain never knows about HTTP.
/// </summary>
[GenerateSerializer, Alias("caas.domain-exception")]
public sealed class DomainException : Exception
{
    public DomainException(string code, string message) : base(message) => Code = code;

    /// <param name="retryAfter">When asking again may succeed (an open circuit breaker knows): the API answers it as Retry-After.</param>
    public DomainException(string code, string message, TimeSpan? retryAfter) : this(code, message) => RetryAfter = retryAfter;

    public DomainException() : this(ErrorCodes.InvalidState, "The request is not valid in the current state.")
    {
    }

    public DomainException(string message) : this(ErrorCodes.InvalidState, message)
    {
    }

    public DomainException(string message, Exception innerException) : base(message, innerException) =>
        Code = ErrorCodes.InvalidState;

    [Id(0)]
    public string Code { get; private set; }

    [Id(1)]
    public TimeSpan? RetryAfter { get; private set; }
}

/// <summary>
/// Issue 18 point 4: how long the API host waits for a read. A call to a grain on a silo that was
/// SIGKILLed gets no answer at all: Orleans 10.4 breaks a silo's own calls to a dead silo, but a client's
/// call forwarded through a gateway waits its whole ResponseTimeout (dotnet/orleans#10165, fixed on
/// Orleans' main after 10.4.2); a read
/// never takes long, so it gives up after this and the caller, told 503 with Retry-After, asks again
/// once the silo is declared dead (3 s with the shipped membership settings).
/// </summary>
public static class CallTimeouts
{
    public const string Read = "00:00:04";
}

/// <summary>The stable error codes of the public contract (api-contract.md).</summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string PaymentDeclined = "PAYMENT_DECLINED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string VehicleUnavailable = "VEHICLE_UNAVAILABLE";
    public const string CustomerNotEligible = "CUSTOMER_NOT_ELIGIBLE";
    public const string MaintenanceRequired = "MAINTENANCE_REQUIRED";
    public const string InvalidState = "INVALID_STATE";
    public const string RateLimited = "RATE_LIMITED";
    public const string CustomerVerificationUnavailable = "CUSTOMER_VERIFICATION_UNAVAILABLE";
    public const string DependencyUnavailable = "DEPENDENCY_UNAVAILABLE";

    /// <summary>Added by this project: an Idempotency-Key reused with a different request.</summary>
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";

    /// <summary>A service purchase whose over-the-air activation failed every attempt (IOT-4); never charged.</summary>
    public const string ActivationFailed = "ACTIVATION_FAILED";
}
