using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using CaaS.Grains.Integration.Iot;
using CaaS.Grains.Telemetry;
using CaaS.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CaaS.Adapters.Tests;

/// <summary>
/// RES-2 and IOT-5 as plain code: whose failure a failed IoT request is, RES-2's thresholds shared by
/// the silos, the queue's drain rate and the poller's backoff of cars that stay unreachable.
/// </summary>
public sealed class IotJudgementTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private static string Vin(int index) => $"WVWZZZE1TP{index:D7}";

    private IotFailureJudge Judge(IotResilienceOptions? settings = null) =>
        new(new StaticOptions<IotResilienceOptions>(settings ?? new IotResilienceOptions()), _time);

    [Fact]
    public void A_failure_with_nothing_else_answered_is_API_IoTs()
    {
        var judge = Judge();

        Assert.Equal(FailureScope.System, judge.RecordFailure(Vin(1)));
        Assert.Equal(FailureScope.System, judge.RecordFailure(null));
    }

    [Fact]
    public void A_car_that_fails_while_API_IoT_answers_for_the_others_is_the_cars_failure()
    {
        var judge = Judge();
        for (var i = 0; i < 20; i++)
        {
            judge.RecordAnswer(Vin(i));
        }

        // Six of twenty cars unreachable: 30 % of the vehicles asked about.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(FailureScope.Vehicle, judge.RecordFailure(Vin(i)));
        }

        Assert.Equal((6, 14), judge.Evidence);
    }

    [Fact]
    public void When_most_vehicles_fail_the_failures_are_API_IoTs()
    {
        var judge = Judge();
        for (var i = 0; i < 10; i++)
        {
            judge.RecordAnswer(Vin(i));
        }

        var scopes = Enumerable.Range(0, 10).Select(i => judge.RecordFailure(Vin(i))).ToArray();

        // The share crosses one half at the fifth failing vehicle of ten.
        Assert.All(scopes[..4], scope => Assert.Equal(FailureScope.Vehicle, scope));
        Assert.All(scopes[4..], scope => Assert.Equal(FailureScope.System, scope));
    }

    [Fact]
    public void Answers_older_than_the_evidence_window_are_no_evidence()
    {
        var judge = Judge(new IotResilienceOptions { EvidenceWindow = TimeSpan.FromSeconds(10) });
        for (var i = 0; i < 50; i++)
        {
            judge.RecordAnswer(Vin(i));
        }

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal((0, 0), judge.Evidence);
        Assert.Equal(FailureScope.System, judge.RecordFailure(Vin(1)));
    }

    [Fact]
    public void Only_a_vehicles_latest_outcome_counts()
    {
        var judge = Judge();
        judge.RecordAnswer(Vin(1));
        judge.RecordAnswer(Vin(2));
        judge.RecordFailure(Vin(1));
        _time.Advance(TimeSpan.FromSeconds(5));
        judge.RecordAnswer(Vin(1));

        Assert.Equal((0, 2), judge.Evidence);
        _time.Advance(TimeSpan.FromSeconds(5));
        // Vin 2's answer and vin 1's first two outcomes left the window; vin 1's latest answer stays.
        Assert.Equal((0, 1), judge.Evidence);
    }

    [Theory]
    [InlineData(5, 1, 5)]
    [InlineData(5, 2, 3)]
    [InlineData(5, 3, 2)]
    [InlineData(5, 5, 1)]
    [InlineData(5, 8, 1)]
    [InlineData(10, 2, 5)]
    [InlineData(5, 0, 5)]
    public void RES_2_holds_for_the_cluster_each_silo_opens_at_its_share(int clusterThreshold, int silos, int perSilo) =>
        Assert.Equal(perSilo, CircuitBreaker.ShareOf(clusterThreshold, silos));

    [Fact]
    public void With_two_silos_a_breaker_opens_at_the_third_failure_of_its_own()
    {
        var cluster = new Silos { Count = 2 };
        var breaker = new CircuitBreaker("iot", new BreakerPolicy(5, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)), _time, cluster);
        Fail(breaker);
        Fail(breaker);
        Assert.Equal(CircuitState.Closed, breaker.State);

        Fail(breaker);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(3, breaker.SiloThreshold);
        cluster.Count = 1;
        Assert.Equal(5, breaker.SiloThreshold);
    }

    [Fact]
    public void The_poller_has_a_budget_of_its_own_that_commands_never_spend()
    {
        var breakers = new CircuitBreakers(_time, new BreakerPolicy(20, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)), null);
        for (var i = 0; i < 19; i++)
        {
            Fail(breakers.IotPolling);
        }

        Assert.Equal(CircuitState.Closed, breakers.IotPolling.State);
        Assert.Equal(CircuitState.Closed, breakers.For(ExternalSystem.Iot)!.State);
        Fail(breakers.IotPolling);

        Assert.Equal(CircuitState.Open, breakers.IotPolling.State);
        Assert.Equal(CircuitState.Closed, breakers.For(ExternalSystem.Iot)!.State);
        Assert.DoesNotContain(breakers.IotPolling, breakers.All);
    }

    [Fact]
    public async Task The_queue_drains_at_the_configured_rate_once_the_breaker_lets_requests_through()
    {
        var queue = new IotCommandQueue(new StaticOptions<IotResilienceOptions>(new IotResilienceOptions { DrainRatePerSecond = 10 }), _time,
            NullLogger<IotCommandQueue>.Instance);
        var breaker = new CircuitBreaker("iot", new BreakerPolicy(5, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)), _time);
        var sent = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            Assert.True(queue.TryEnqueue(new IotCommandRequest(Vin(i), IotCommands.ActivateService, new Dictionary<string, string>(), $"drain-{i}", null)));
        }

        Task<IotDispatch> Send(IotCommandRequest request)
        {
            sent.Add(request.CorrelationId);
            return Task.FromResult(new IotDispatch(IotDispatchStatus.Accepted, "cmd-" + request.CorrelationId));
        }

        Assert.Equal(10, await queue.DrainAsync(breaker, Send));
        Assert.Equal(0, await queue.DrainAsync(breaker, Send));
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(5, await queue.DrainAsync(breaker, Send));
        // A long pause refills one second's worth, never more: the burst stays bounded.
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(10, await queue.DrainAsync(breaker, Send));

        Assert.Equal(0, queue.Depth);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"drain-{i}"), sent);
    }

    [Fact]
    public void A_car_that_stays_unreachable_is_asked_ever_more_rarely_up_to_the_cap_and_at_once_again_when_it_answers()
    {
        var interval = TimeSpan.FromMinutes(1);
        var max = TimeSpan.FromMinutes(15);
        var now = _time.GetUtcNow();

        var first = PollBackoff.Missed(null, now, interval, max);
        var second = PollBackoff.Missed(first, now, interval, max);
        var many = Enumerable.Range(0, 40).Aggregate(second, (held, _) => PollBackoff.Missed(held, now, interval, max));

        Assert.Equal(now + TimeSpan.FromMinutes(2), first.NextPollAt);
        Assert.Equal(now + TimeSpan.FromMinutes(4), second.NextPollAt);
        Assert.Equal(now + max, many.NextPollAt);
        Assert.Equal(42, many.Misses);
        Assert.False(PollBackoff.IsDue(first, now + TimeSpan.FromSeconds(119)));
        Assert.True(PollBackoff.IsDue(first, now + TimeSpan.FromMinutes(2)));
        Assert.True(PollBackoff.IsDue(null, now));
        Assert.True(PollBackoff.IsStale(now - TimeSpan.FromMinutes(6), now, TimeSpan.FromMinutes(5)));
        Assert.False(PollBackoff.IsStale(now - TimeSpan.FromSeconds(29), now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void The_resilience_settings_are_validated()
    {
        Assert.True(new IotResilienceOptions().IsValid());
        Assert.False(new IotResilienceOptions { SystemFailureShare = 0 }.IsValid());
        Assert.False(new IotResilienceOptions { SystemFailureShare = 1.5 }.IsValid());
        Assert.False(new IotResilienceOptions { DrainRatePerSecond = 0 }.IsValid());
        Assert.False(new IotResilienceOptions { EvidenceWindow = TimeSpan.Zero }.IsValid());
        Assert.False(new TelemetryPollerOptions { MaxBackoff = TimeSpan.Zero }.IsValid());
        Assert.False(new TelemetryPollerOptions { StaleContactAfter = TimeSpan.Zero }.IsValid());
        Assert.False(new TelemetryPollerOptions { Spread = 1 }.IsValid());
        Assert.False(new TelemetryPollerOptions { Spread = -0.1 }.IsValid());
        Assert.True(new TelemetryPollerOptions { Spread = 0 }.IsValid());
    }

    private static void Fail(CircuitBreaker breaker)
    {
        Assert.True(breaker.TryAcquire(out var probe));
        breaker.OnFailure(probe);
    }

    private sealed class Silos : IClusterSize
    {
        public int Count { get; set; } = 1;

        public int ActiveSilos => Count;
    }
}
