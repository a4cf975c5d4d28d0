using System.Net.Http.Json;
using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using CaaS.Grains.Integration.Iot;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests;

/// <summary>
/// RES-2 and IOT-5 at fleet scale against the sandbox's API IoT: a fleet of 200 cars polled round after round, 2 %
/// of them out of reach for three minutes, the way the sandbox can make a car unreachable (API IoT
/// answering 503 for that VIN only, and a car whose last contact stops while commands to it fail),
/// while commands to reachable cars must go at once; then API IoT itself down.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class IotFleetScaleTests(SandboxFixture sandbox) : IAsyncLifetime
{
    private const int FleetSize = 200;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);
    private static readonly string[] Fleet = [.. Enumerable.Range(0, FleetSize).Select(i => $"WVWZZZE1TP{i:D7}")];

    // 2 % of 200: two cars API IoT answers 503 for, two whose last contact is ten minutes old. The
    // refused ones come late in a round, after API IoT has answered for a hundred others: a car that
    // fails before anything else answered cannot be told from API IoT failing (the judge's rule).
    private static readonly string[] Refused = [Fleet[117], Fleet[151]];
    private static readonly string[] Offline = [Fleet[42], Fleet[160]];
    private static readonly string[] Reachable = [Fleet[0], Fleet[63], Fleet[199]];

    private readonly AdapterHarness _harness = new(sandbox);

    public Task InitializeAsync() => sandbox.ResetAsync();

    public async Task DisposeAsync()
    {
        await sandbox.ResetAsync();
        await _harness.DisposeAsync();
    }

    private CircuitBreakers Breakers => _harness.Get<CircuitBreakers>();

    private CircuitBreaker Commands => Breakers.For(ExternalSystem.Iot)!;

    [Fact]
    public async Task With_2_percent_of_200_cars_unreachable_for_3_minutes_commands_to_reachable_cars_go_at_once_and_no_breaker_opens()
    {
        var dispatcher = _harness.Get<IotDispatcher>();
        var client = _harness.Get<IotClient>();
        await MakeUnreachableAsync();
        DateTimeOffset? offlineContact = null;
        var rounds = (int)(TimeSpan.FromMinutes(3) / PollInterval);

        for (var round = 0; round < rounds; round++)
        {
            var polled = await PollRoundAsync();
            Assert.Equal(Refused.Order(), polled.Unreachable.Order());
            Assert.Empty(polled.Failed);
            var contact = Assert.Single(polled.Statuses, status => status.Vin == Offline[0]).LastContact;
            Assert.True(DateTimeOffset.UtcNow - contact > TimeSpan.FromMinutes(9), $"{Offline[0]} reports a stale last contact");
            Assert.Equal(offlineContact ?? contact, contact);
            offlineContact = contact;

            foreach (var vin in Reachable)
            {
                var unlock = await dispatcher.SendAsync(Command(vin, IotCommands.Unlock, $"unlock-{round}-{vin}"));
                var activation = await dispatcher.SendAsync(Command(vin, IotCommands.ActivateService, $"ota-{round}-{vin}"));
                Assert.Equal(IotDispatchStatus.Accepted, unlock.Status);
                Assert.NotNull(unlock.CommandId);
                Assert.Equal(IotDispatchStatus.Accepted, activation.Status);
                Assert.NotNull(activation.CommandId);
            }

            // A customer of an unreachable car learns it of the car, and nobody else pays for it.
            var refused = await Assert.ThrowsAsync<VehicleUnreachableException>(() =>
                dispatcher.SendAsync(Command(Refused[round % Refused.Length], IotCommands.Unlock, $"unlock-{round}-refused")));
            Assert.Equal(Refused[round % Refused.Length], refused.Vin);
            var acknowledged = await dispatcher.SendAsync(Command(Offline[round % Offline.Length], IotCommands.ActivateService, $"ota-{round}-offline"));
            Assert.Equal(IotDispatchStatus.Accepted, acknowledged.Status);

            Assert.Equal(CircuitState.Closed, Commands.State);
            Assert.Equal(CircuitState.Closed, Breakers.IotPolling.State);
            Assert.Equal(0, _harness.Get<IotCommandQueue>().Depth);
            _harness.Time.Advance(PollInterval);
        }

        // The offline car took the command (202) and then reported it FAILED, as a connected car out of reach does.
        var offlineCommand = await dispatcher.SendAsync(Command(Offline[0], IotCommands.Unlock, "unlock-offline"));
        await Eventually.Until(() => client.GetStatusAsync(Offline[0]),
            status => status.Commands.Any(command => command.CommandId == offlineCommand.CommandId && command.IsFailed),
            "the offline car to report its command FAILED", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task With_API_IoT_itself_down_the_command_breaker_opens_at_the_fifth_failure_as_RES_2_says()
    {
        var dispatcher = _harness.Get<IotDispatcher>();
        await PollRoundAsync();
        await sandbox.FaultAsync("iot", "down");
        // What API IoT answered before the outage stops being evidence after the evidence window.
        _harness.Time.Advance(new IotResilienceOptions().EvidenceWindow);

        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => dispatcher.SendAsync(Command(Reachable[0], IotCommands.Lock, $"down-{i}")));
            Assert.Equal(CircuitState.Closed, Commands.State);
        }

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => dispatcher.SendAsync(Command(Reachable[1], IotCommands.Lock, "down-4")));

        Assert.Equal(CircuitState.Open, Commands.State);
        Assert.Equal(IotDispatchStatus.Queued, (await dispatcher.SendAsync(Command(Reachable[2], IotCommands.ActivateService, "queued"))).Status);
    }

    [Fact]
    public async Task With_API_IoT_down_while_the_fleet_is_polled_one_round_spends_the_pollers_budget_and_commands_then_open_their_own_breaker()
    {
        var dispatcher = _harness.Get<IotDispatcher>();
        await PollRoundAsync();
        await sandbox.FaultAsync("iot", "down");
        _harness.Time.Advance(TimeSpan.FromSeconds(1));

        var polled = await PollRoundAsync();

        Assert.Equal(CircuitState.Open, Breakers.IotPolling.State);
        Assert.True(polled.BreakerOpen > 0, "the rest of the round is refused by the poller's own breaker");
        // Polling spent only its own budget: the command breaker is still closed and counts from zero.
        Assert.Equal(CircuitState.Closed, Commands.State);
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => dispatcher.SendAsync(Command(Reachable[i % 3], IotCommands.Lock, $"down-{i}")));
        }

        Assert.Equal(CircuitState.Open, Commands.State);
    }

    [Fact]
    public async Task A_queued_command_for_a_car_out_of_reach_leaves_the_queue_as_failed_and_its_probe_shows_API_IoT_well()
    {
        var dispatcher = _harness.Get<IotDispatcher>();
        var queue = _harness.Get<IotCommandQueue>();
        await sandbox.FaultAsync("iot", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => dispatcher.SendAsync(Command(Reachable[0], IotCommands.Lock, $"open-{i}")));
        }

        var owner = GrainId.Create("otacommand", "purchase-unreachable");
        var queued = await dispatcher.SendAsync(Command(Refused[0], IotCommands.ActivateService, "for-the-refused-car") with { Owner = owner });
        Assert.Equal(IotDispatchStatus.Queued, queued.Status);
        await sandbox.FaultAsync("iot", "ok");
        await sandbox.FaultAsync("iot", "down", vin: Refused[0]);
        _harness.Time.Advance(TimeSpan.FromSeconds(60));
        // Meanwhile the poller, on its own budget, heard from the rest of the fleet.
        await PollRoundAsync();

        Assert.Equal(1, await dispatcher.DrainAsync());

        Assert.Equal(0, queue.Depth);
        Assert.False(queue.HasWaitingFor(Refused[0]));
        Assert.Equal(CircuitState.Closed, Commands.State);
    }

    [Fact]
    public async Task No_connection_to_API_IoT_is_API_IoTs_failure_whatever_it_answered_for_other_cars_before()
    {
        await using var unreachable = new AdapterHarness(sandbox, new Dictionary<string, string?>
        {
            ["Integrations:Iot:BaseUrl"] = $"http://127.0.0.1:{Repository.FreePort()}",
        });
        var judge = unreachable.Get<IotFailureJudge>();
        foreach (var vin in Fleet[..50])
        {
            judge.RecordAnswer(vin);
        }

        var failure = await Assert.ThrowsAsync<DependencyUnavailableException>(() => unreachable.Get<IotClient>().PollStatusAsync(Fleet[60]));

        Assert.False(failure.CircuitOpen);
        Assert.Equal((1, 50), judge.Evidence);
        Assert.Equal(CircuitState.Closed, unreachable.Get<CircuitBreakers>().For(ExternalSystem.Iot)!.State);
    }

    [Fact]
    public async Task The_sandbox_reports_a_car_out_of_reach_with_a_stale_last_contact_and_commands_that_never_complete_until_it_is_back()
    {
        var client = _harness.Get<IotClient>();
        var dispatcher = _harness.Get<IotDispatcher>();
        var vin = Reachable[1];
        await sandbox.PostAsync("/sandbox/iot/connectivity", new { vin, online = false, offlineForSeconds = 3600, commands = "never" });

        var pending = await dispatcher.SendAsync(Command(vin, IotCommands.Unlock, "never-delivered"));
        await sandbox.PostAsync("/sandbox/iot/behavior", new { vin, outcome = "complete", delayMs = 0 });
        var away = await client.PollStatusAsync(vin);

        Assert.Equal(IotDispatchStatus.Accepted, pending.Status);
        Assert.InRange(DateTimeOffset.UtcNow - away.LastContact, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
        Assert.Equal("ACCEPTED", Assert.Single(away.Commands, command => command.CommandId == pending.CommandId).Status);

        await sandbox.PostAsync("/sandbox/iot/connectivity", new { vin, online = true });
        var back = await client.PollStatusAsync(vin);

        Assert.True(DateTimeOffset.UtcNow - back.LastContact < TimeSpan.FromMinutes(1), "a car back in reach reports a fresh last contact");
        // A command never delivered stays undelivered: the platform's own deadline decides about it.
        Assert.Equal("ACCEPTED", Assert.Single(back.Commands, command => command.CommandId == pending.CommandId).Status);
        using var invalid = await sandbox.Http.PostAsJsonAsync(new Uri(sandbox.BaseUrl + "/sandbox/iot/connectivity"), new { vin, online = false, commands = "explode" });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    private async Task MakeUnreachableAsync()
    {
        foreach (var vin in Refused)
        {
            await sandbox.FaultAsync("iot", "down", vin: vin);
        }

        foreach (var vin in Offline)
        {
            await sandbox.PostAsync("/sandbox/iot/connectivity", new { vin, online = false, offlineForSeconds = 600, commands = "fail" });
        }
    }

    private static IotCommandRequest Command(string vin, string command, string correlationId) =>
        new(vin, command, new Dictionary<string, string> { ["service"] = "ENHANCED_POWER" }, correlationId, null);

    private sealed record Round(List<IotVehicleStatus> Statuses, List<string> Unreachable, List<string> Failed, int BreakerOpen);

    /// <summary>One poll of every car, sixteen at a time, as a poller partition asks them.</summary>
    private async Task<Round> PollRoundAsync()
    {
        var client = _harness.Get<IotClient>();
        var round = new Round([], [], [], 0);
        var breakerOpen = 0;
        await Parallel.ForEachAsync(Fleet, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (vin, _) =>
        {
            try
            {
                var status = await client.PollStatusAsync(vin);
                lock (round)
                {
                    round.Statuses.Add(status);
                }
            }
            catch (VehicleUnreachableException)
            {
                lock (round)
                {
                    round.Unreachable.Add(vin);
                }
            }
            catch (DependencyUnavailableException unavailable) when (unavailable.CircuitOpen)
            {
                Interlocked.Increment(ref breakerOpen);
            }
            catch (IntegrationException)
            {
                lock (round)
                {
                    round.Failed.Add(vin);
                }
            }
        });
        return round with { BreakerOpen = breakerOpen };
    }
}
