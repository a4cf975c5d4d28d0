using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Integration;

public enum Backoff
{
    None,
    Immediate,
    Fixed,
    Exponential,
}

/// <summary>Which failures a retry may answer.</summary>
public enum RetryOn
{
    /// <summary>Connection failures, timeouts, 5xx, 408 and 429.</summary>
    TransientFailures,

    /// <summary>Connection failures and timeouts only: the payment row's "network error" (PAY-5).</summary>
    NetworkErrors,
}

/// <summary>RES-2: this many failures within the window opens the breaker for the break, then one probe.</summary>
public sealed record BreakerPolicy(int FailureThreshold, TimeSpan Window, TimeSpan BreakDuration);

public sealed record IntegrationPolicy(
    TimeSpan AttemptTimeout,
    int Retries,
    Backoff Backoff,
    TimeSpan RetryDelay,
    RetryOn RetryOn,
    BreakerPolicy? Breaker);

/// <summary>
/// The resilience matrix of requirements.md (RES), one row per system, to the number. The OTA row
/// (60 s attempts, N retries every 30 s) is a business schedule and lives in the OTA command grain.
/// </summary>
public static class ResilienceMatrix
{
    private static readonly BreakerPolicy FivePerMinute = new(5, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60));

    public static IntegrationPolicy For(string system) => system switch
    {
        // CUS-1: 500 ms, no retry; the 24 h cache in the customer grain is the fallback.
        ExternalSystem.Customer => new(TimeSpan.FromMilliseconds(500), 0, Backoff.None, TimeSpan.Zero, RetryOn.TransientFailures, null),
        // PAY-5, PAY-7: 30 s, one immediate retry on a network error with the same idempotency key, no breaker.
        ExternalSystem.Stripe => new(TimeSpan.FromSeconds(30), 1, Backoff.Immediate, TimeSpan.Zero, RetryOn.NetworkErrors, null),
        // FAC-1, FAC-5: 30 s, never retried automatically; 5 failures in 60 s open the breaker.
        ExternalSystem.Factory => new(TimeSpan.FromSeconds(30), 0, Backoff.None, TimeSpan.Zero, RetryOn.TransientFailures, FivePerMinute),
        // VSS-1, VSS-4: 5 s, 3 retries at 5, 10, 20 s; 10 failures in 60 s open the breaker.
        ExternalSystem.Vss => new(TimeSpan.FromSeconds(5), 3, Backoff.Exponential, TimeSpan.FromSeconds(5), RetryOn.TransientFailures,
            new BreakerPolicy(10, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60))),
        // REG-1: 60 s, 2 retries at a fixed 10 s (the POST carries an idempotency key).
        ExternalSystem.Registration => new(TimeSpan.FromSeconds(60), 2, Backoff.Fixed, TimeSpan.FromSeconds(10), RetryOn.TransientFailures, null),
        // IOT-1, IOT-5: 10 s per request; the OTA grain owns retries; 5 failures in 60 s open the breaker.
        ExternalSystem.Iot => new(TimeSpan.FromSeconds(10), 0, Backoff.None, TimeSpan.Zero, RetryOn.TransientFailures, FivePerMinute),
        // FLT-4 is outside the matrix: a read, so two quick retries are safe and cheap.
        ExternalSystem.Fleet => new(TimeSpan.FromSeconds(5), 2, Backoff.Exponential, TimeSpan.FromSeconds(1), RetryOn.TransientFailures, null),
        // NOT-1: the outbox retries delivery itself, so one attempt per send.
        ExternalSystem.Notifications => new(TimeSpan.FromSeconds(10), 0, Backoff.None, TimeSpan.Zero, RetryOn.TransientFailures, null),
        _ => throw new ArgumentOutOfRangeException(nameof(system), system, "not an external system"),
    };
}
