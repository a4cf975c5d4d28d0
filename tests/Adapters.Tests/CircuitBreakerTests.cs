using CaaS.Grains.Integration;
using Microsoft.Extensions.Time.Testing;

namespace CaaS.Adapters.Tests;

/// <summary>RES-2 as plain code: N failures in the window open it; one probe after the break.</summary>
public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    private CircuitBreaker Breaker(int threshold = 5) =>
        new("test", new BreakerPolicy(threshold, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)), _time);

    [Fact]
    public void It_opens_on_the_fifth_failure_within_sixty_seconds()
    {
        var breaker = Breaker();
        for (var i = 0; i < 4; i++)
        {
            Fail(breaker);
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
        Fail(breaker);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryAcquire(out _));
    }

    [Fact]
    public void Failures_older_than_the_window_do_not_count()
    {
        var breaker = Breaker();
        for (var i = 0; i < 4; i++)
        {
            Fail(breaker);
        }

        _time.Advance(TimeSpan.FromSeconds(61));
        Fail(breaker);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Successes_do_not_hide_failures_within_the_window()
    {
        var breaker = Breaker();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(breaker.TryAcquire(out var probe));
            breaker.OnSuccess(probe);
            Fail(breaker);
        }

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void After_the_break_exactly_one_probe_goes_and_its_success_closes_the_circuit()
    {
        var breaker = Breaker();
        OpenIt(breaker);
        var closed = 0;
        breaker.Closed += () => closed++;

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(breaker.TryAcquire(out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.True(breaker.TryAcquire(out var isProbe));
        Assert.True(isProbe);
        Assert.False(breaker.TryAcquire(out _));

        breaker.OnSuccess(isProbe);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(1, closed);
        Assert.True(breaker.TryAcquire(out var next));
        Assert.False(next);
    }

    [Fact]
    public void A_failed_probe_opens_the_circuit_for_another_break()
    {
        var breaker = Breaker();
        OpenIt(breaker);
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.True(breaker.TryAcquire(out var isProbe));

        breaker.OnFailure(isProbe);

        Assert.Equal(CircuitState.Open, breaker.State);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(breaker.TryAcquire(out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryAcquire(out var secondProbe));
        Assert.True(secondProbe);
    }

    [Fact]
    public void Every_system_that_RES_2_names_has_one_breaker_and_payments_have_none()
    {
        var breakers = new CircuitBreakers(_time);

        Assert.Equal(new[] { "factory", "iot", "vss" }, breakers.All.Select(breaker => breaker.System).Order());
        Assert.Equal(5, breakers.For("factory")!.Policy.FailureThreshold);
        Assert.Equal(10, breakers.For("vss")!.Policy.FailureThreshold);
        Assert.Equal(5, breakers.For("iot")!.Policy.FailureThreshold);
        Assert.Null(breakers.For("stripe"));
    }

    private static void Fail(CircuitBreaker breaker)
    {
        Assert.True(breaker.TryAcquire(out var probe));
        breaker.OnFailure(probe);
    }

    private void OpenIt(CircuitBreaker breaker)
    {
        for (var i = 0; i < breaker.Policy.FailureThreshold; i++)
        {
            Fail(breaker);
        }

        Assert.Equal(CircuitState.Open, breaker.State);
    }
}
