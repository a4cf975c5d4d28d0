using CaaS.Grains.Integration;

namespace CaaS.Adapters.Tests;

/// <summary>The RES table of requirements.md, row by row, against the policies the pipelines are built from.</summary>
public sealed class ResilienceMatrixTests
{
    public static TheoryData<string, double, int, Backoff, double, RetryOn, int?> Rows => new()
    {
        { "customer", 0.5, 0, Backoff.None, 0, RetryOn.TransientFailures, null },
        { "stripe", 30, 1, Backoff.Immediate, 0, RetryOn.NetworkErrors, null },
        { "factory", 30, 0, Backoff.None, 0, RetryOn.TransientFailures, 5 },
        { "vss", 5, 3, Backoff.Exponential, 5, RetryOn.TransientFailures, 10 },
        { "registration", 60, 2, Backoff.Fixed, 10, RetryOn.TransientFailures, null },
        { "iot", 10, 0, Backoff.None, 0, RetryOn.TransientFailures, 5 },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_row_is_implemented_to_the_number(string system, double timeoutSeconds, int retries, Backoff backoff,
        double delaySeconds, RetryOn retryOn, int? breakerThreshold)
    {
        var policy = ResilienceMatrix.For(system);

        Assert.Equal(TimeSpan.FromSeconds(timeoutSeconds), policy.AttemptTimeout);
        Assert.Equal(retries, policy.Retries);
        Assert.Equal(backoff, policy.Backoff);
        Assert.Equal(TimeSpan.FromSeconds(delaySeconds), policy.RetryDelay);
        Assert.Equal(retryOn, policy.RetryOn);
        Assert.Equal(breakerThreshold, policy.Breaker?.FailureThreshold);
        if (policy.Breaker is { } breaker)
        {
            Assert.Equal(TimeSpan.FromSeconds(60), breaker.Window);
            Assert.Equal(TimeSpan.FromSeconds(60), breaker.BreakDuration);
        }
    }
}
