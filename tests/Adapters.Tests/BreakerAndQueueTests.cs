using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using CaaS.Grains.Integration.Factory;
using CaaS.Grains.Integration.Iot;
using CaaS.Grains.Integration.Vss;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests;

/// <summary>RES-2 with real requests: each breaker opens at its threshold, half-opens after 60 s and closes; IoT queues meanwhile.</summary>
[Collection(SandboxCollection.Name)]
public sealed class BreakerAndQueueTests(SandboxFixture sandbox) : SandboxTest<SandboxFixture>(sandbox)
{
    private CircuitBreaker Breaker(string system) => Harness.Get<CircuitBreakers>().For(system)!;

    [Fact]
    public async Task FAC_5_five_factory_failures_open_the_breaker_one_probe_after_60_s_closes_it()
    {
        var factory = Harness.Get<FactoryClient>();
        var spec = new VehicleSpec("ID.4", "Pro", "Blue", "ES");
        await Sandbox.FaultAsync("factory", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => factory.PlaceAsync($"order-b{i}", spec));
        }

        var refused = await Assert.ThrowsAsync<DependencyUnavailableException>(() => factory.PlaceAsync("order-b5", spec));
        Assert.True(refused.CircuitOpen);
        Assert.Equal(5, (await Sandbox.RequestsAsync("factory")).Count);

        await Sandbox.FaultAsync("factory", "ok");
        Harness.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.True((await Assert.ThrowsAsync<DependencyUnavailableException>(() => factory.PlaceAsync("order-b6", spec))).CircuitOpen);
        Harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CircuitState.HalfOpen, Breaker("factory").State);

        var probe = await factory.PlaceAsync("order-b7", spec);

        Assert.Equal(CircuitState.Closed, Breaker("factory").State);
        Assert.NotNull(probe.FactoryOrderId);
        Assert.Equal(6, (await Sandbox.RequestsAsync("factory")).Count);
    }

    [Fact]
    public async Task VSS_4_ten_failures_in_60_s_open_the_breaker()
    {
        var vss = Harness.Get<VssClient>();
        var vin = (await Sandbox.FleetAsync())[0].Vin;
        await vss.GetMaintenanceAsync(vin);
        await Sandbox.FaultAsync("vss", "down");

        // Three purchases at once, four attempts each (RES): the tenth failure comes within 35 s.
        var calls = Enumerable.Range(0, 3).Select(_ => vss.GetMaintenanceAsync(vin)).ToArray();
        await Harness.DriveAsync(Task.WhenAll(calls).ContinueWith(_ => { }, TaskScheduler.Default));

        Assert.All(calls, call => Assert.IsType<DependencyUnavailableException>(call.Exception?.InnerException));
        Assert.Equal(CircuitState.Open, Breaker("vss").State);
        var reached = (await Sandbox.RequestsAsync("vss")).Count(request => request.Path.EndsWith("/maintenance", StringComparison.Ordinal)) - 1;
        Assert.InRange(reached, 10, 12);

        var refused = await Assert.ThrowsAsync<DependencyUnavailableException>(() => vss.GetMaintenanceAsync(vin));
        Assert.True(refused.CircuitOpen);
        Assert.Equal(reached + 1, (await Sandbox.RequestsAsync("vss")).Count(request => request.Path.EndsWith("/maintenance", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task IOT_5_commands_wait_in_the_queue_while_the_breaker_is_open_and_go_when_it_closes()
    {
        var dispatcher = Harness.Get<IotDispatcher>();
        var vin = (await Sandbox.FleetAsync())[0].Vin;
        await Sandbox.FaultAsync("iot", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
                dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Unlock, new Dictionary<string, string>(), $"before-{i}", null)));
        }

        var queued = new List<IotDispatch>();
        for (var i = 0; i < 3; i++)
        {
            queued.Add(await dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.ActivateService,
                new Dictionary<string, string> { ["service"] = "ENHANCED_POWER" }, $"queued-{i}", null)));
        }

        Assert.All(queued, dispatch => Assert.Equal(IotDispatchStatus.Queued, dispatch.Status));
        Assert.Equal(3, Harness.Get<IotCommandQueue>().Depth);
        Assert.Equal(0, await dispatcher.DrainAsync());
        Assert.Equal(5, (await Sandbox.RequestsAsync("iot")).Count);

        await Sandbox.FaultAsync("iot", "ok");
        Harness.Time.Advance(TimeSpan.FromSeconds(60));
        var sent = await dispatcher.DrainAsync();

        Assert.Equal(3, sent);
        Assert.Equal(0, Harness.Get<IotCommandQueue>().Depth);
        Assert.Equal(CircuitState.Closed, Breaker("iot").State);
        var configures = (await Sandbox.RequestsAsync("iot")).Where(request => request.Path.EndsWith("/configure", StringComparison.Ordinal)).ToArray();
        Assert.Equal(8, configures.Length);
        Assert.All(configures[^3..], request => Assert.Equal(202, request.Status));
    }

    [Fact]
    public async Task IOT_5_once_the_breaker_closes_a_command_waits_only_behind_commands_for_its_own_car()
    {
        var dispatcher = Harness.Get<IotDispatcher>();
        var fleet = await Sandbox.FleetAsync();
        var (waiting, other, third) = (fleet[0].Vin, fleet[1].Vin, fleet[2].Vin);
        await Sandbox.FaultAsync("iot", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
                dispatcher.SendAsync(new IotCommandRequest(waiting, IotCommands.Lock, new Dictionary<string, string>(), $"o-{i}", null)));
        }

        await dispatcher.SendAsync(new IotCommandRequest(waiting, IotCommands.Lock, new Dictionary<string, string>(), "waiting-lock", null));
        await Sandbox.FaultAsync("iot", "ok");
        Harness.Time.Advance(TimeSpan.FromSeconds(60));

        // The half-open probe is another car's command; it closes the breaker.
        var probe = await dispatcher.SendAsync(new IotCommandRequest(other, IotCommands.Unlock, new Dictionary<string, string>(), "probe", null));
        var behind = await dispatcher.SendAsync(new IotCommandRequest(waiting, IotCommands.Lock, new Dictionary<string, string>(), "waiting-lock-2", null));
        // IOT-9: an UNLOCK never waits, not even behind its own car's queue: it is refused with when to ask again.
        var unlockBehind = await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
            dispatcher.SendAsync(new IotCommandRequest(waiting, IotCommands.Unlock, new Dictionary<string, string>(), "waiting-unlock", null)));
        var ahead = await dispatcher.SendAsync(new IotCommandRequest(third, IotCommands.Unlock, new Dictionary<string, string>(), "third", null));

        Assert.Equal(IotDispatchStatus.Accepted, probe.Status);
        Assert.Equal(CircuitState.Closed, Breaker("iot").State);
        Assert.Equal(IotDispatchStatus.Queued, behind.Status);
        Assert.Equal((false, IotDispatcher.RetryBehindQueue), (unlockBehind.CircuitOpen, unlockBehind.RetryAfter));
        Assert.Equal(IotDispatchStatus.Accepted, ahead.Status);
        Assert.Equal(2, await dispatcher.DrainAsync());
        var toWaiting = (await Sandbox.RequestsAsync("iot")).Where(request => request.Path.Contains(waiting, StringComparison.Ordinal) && request.Status == 202).ToArray();
        Assert.Equal(2, toWaiting.Length);
        Assert.False(Harness.Get<IotCommandQueue>().HasWaitingFor(waiting));
    }

    [Fact]
    public async Task IOT_9_an_unlock_while_the_breaker_is_open_is_refused_with_the_break_left_and_never_sent_when_it_closes()
    {
        var dispatcher = Harness.Get<IotDispatcher>();
        var vin = (await Sandbox.FleetAsync())[0].Vin;
        await Sandbox.FaultAsync("iot", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
                dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), $"u-{i}", null)));
        }

        Harness.Time.Advance(TimeSpan.FromSeconds(15));
        var refused = await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
            dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Unlock, new Dictionary<string, string>(), "refused-unlock", null)));
        var locked = await dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), "waiting-lock", null));

        Assert.True(refused.CircuitOpen);
        Assert.Equal(TimeSpan.FromSeconds(45), refused.RetryAfter);
        Assert.Equal(IotDispatchStatus.Queued, locked.Status);
        Assert.Equal(1, Harness.Get<IotCommandQueue>().Depth);

        await Sandbox.FaultAsync("iot", "ok");
        Harness.Time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(1, await dispatcher.DrainAsync());

        Assert.Equal(CircuitState.Closed, Breaker("iot").State);
        Assert.Equal(0, Harness.Get<IotCommandQueue>().Depth);
        // What reached API IoT: the five that failed and the LOCK that waited, never the UNLOCK.
        var configures = (await Sandbox.RequestsAsync("iot")).Where(request => request.Path.EndsWith("/configure", StringComparison.Ordinal)).ToArray();
        Assert.Equal([503, 503, 503, 503, 503, 202], configures.Select(request => request.Status));
    }

    [Fact]
    public async Task IOT_5_a_full_queue_refuses_what_would_wait_and_keeps_what_waits()
    {
        await using var harness = new AdapterHarness(Sandbox, new Dictionary<string, string?> { ["Iot:Resilience:QueueCapacity"] = "2" });
        var dispatcher = harness.Get<IotDispatcher>();
        var vin = (await Sandbox.FleetAsync())[0].Vin;
        await Sandbox.FaultAsync("iot", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
                dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), $"f-{i}", null)));
        }

        var first = await dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), "first", null));
        var second = await dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.ActivateService, new Dictionary<string, string>(), "second", null));
        var third = await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
            dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), "third", null)));

        Assert.Equal((IotDispatchStatus.Queued, IotDispatchStatus.Queued), (first.Status, second.Status));
        Assert.True(third.CircuitOpen);
        Assert.Equal((2, 2), (harness.Get<IotCommandQueue>().Depth, harness.Get<IotCommandQueue>().Capacity));
    }

    [Fact]
    public async Task IOT_5_a_failed_probe_keeps_the_queue_waiting()
    {
        var dispatcher = Harness.Get<IotDispatcher>();
        var vin = (await Sandbox.FleetAsync())[0].Vin;
        await Sandbox.FaultAsync("iot", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
                dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), $"b-{i}", null)));
        }

        await dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), "waiting", null));
        Harness.Time.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(0, await dispatcher.DrainAsync());
        Assert.Equal(1, Harness.Get<IotCommandQueue>().Depth);
        Assert.Equal(CircuitState.Open, Breaker("iot").State);
    }

    [Fact]
    public async Task IOT_5_the_drainer_sends_the_queue_by_itself_once_the_break_is_over()
    {
        var dispatcher = Harness.Get<IotDispatcher>();
        var vin = (await Sandbox.FleetAsync())[0].Vin;
        await Sandbox.FaultAsync("iot", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
                dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), $"c-{i}", null)));
        }

        await dispatcher.SendAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), "drained", null));
        await Sandbox.FaultAsync("iot", "ok");
        using var drainer = new IotQueueDrainer(dispatcher, Harness.Get<IotCommandQueue>(), Harness.Get<CircuitBreakers>(), Harness.Time);
        await drainer.StartAsync(CancellationToken.None);

        await Eventually.Until(() =>
        {
            Harness.Time.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(Harness.Get<IotCommandQueue>().Depth == 0);
        }, "the drainer to empty the queue");

        await drainer.StopAsync(CancellationToken.None);
        Assert.Equal(CircuitState.Closed, Breaker("iot").State);
    }
}
