using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Npgsql;

namespace CaaS.Chaos.Tests;

/// <summary>A flow a client was told was accepted, and what its journey expects it to end as.</summary>
public sealed record AcceptedFlow(string Kind, string Id, string Token, string Expected);

/// <summary>One MOB-6 contest: the vehicle and hours three customers wanted at once, and the reservations that got them.</summary>
public sealed record Contest(string VehicleId, DateTimeOffset StartsAt, IReadOnlyList<string> Winners);

/// <summary>
/// The mixed workload (rentals returned or cancelled, contested bookings, service purchases, factory
/// orders with duplicated, reordered and replayed webhooks) and the fault injector (silo SIGKILLs,
/// a PostgreSQL restart, every external system down, slow, timing out and flaky). Clients behave as
/// the mobile app and web platform should: a 5xx or a lost connection is tried again with the same
/// Idempotency-Key, a 4xx is an answer.
/// </summary>
public sealed partial class ChaosRun(Platform platform, PostgresDatabase database, ITestOutputHelper output, int seed)
{
    public static readonly string[] Systems = ["customer", "stripe", "fleet", "factory", "iot", "vss", "registration", "notifications"];

    public static readonly string[] Modes = ["down", "slow", "timeout", "flaky"];

    private static readonly string[] ServiceCodes = ["ENHANCED_POWER", "HEATED_SEATS", "AUTOPARK"];

    private readonly CaaSCalls _calls = new(platform);
    private readonly ConcurrentQueue<(string VehicleId, string Vin)> _unused = new();
    private readonly List<string> _fleet = [];
    private readonly ConcurrentQueue<(string Token, string Vin, string Code)> _purchases = new();
    private readonly ConcurrentQueue<string> _returned = new();
    private readonly Random _random = new(seed);
    private readonly Lock _randomGate = new();
    private long _requests;
    private long _serverErrors;
    private long _transportErrors;

    public ConcurrentBag<AcceptedFlow> Accepted { get; } = [];

    public ConcurrentBag<Contest> Contests { get; } = [];

    public ConcurrentDictionary<string, int> Faults { get; } = new();

    public ConcurrentDictionary<string, int> Journeys { get; } = new();

    public long Requests => Interlocked.Read(ref _requests);

    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    public long TransportErrors => Interlocked.Read(ref _transportErrors);

    /// <summary>Until when a journey already begun keeps trying its next step: the clients' patience.</summary>
    public DateTimeOffset GiveUpAt { get; set; } = DateTimeOffset.MaxValue;

    /// <summary>Before any fault: the fleet to book, and delivered vehicles whose owners buy services.</summary>
    public async Task PrepareAsync(int owners)
    {
        var fleet = await platform.Http.GetFromJsonAsync<JsonElement>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles"));
        foreach (var vehicle in fleet.EnumerateArray().Skip(20).Where(item => !item.GetProperty("maintenanceOverdue").GetBoolean()))
        {
            _unused.Enqueue((vehicle.GetProperty("vehicleId").GetString()!, vehicle.GetProperty("vin").GetString()!));
            _fleet.Add(vehicle.GetProperty("vehicleId").GetString()!);
        }

        for (var owner = 0; owner < owners; owner++)
        {
            var (_, token) = await _calls.CustomerAsync();
            var vin = await _calls.DeliveredVehicleAsync(token);
            foreach (var code in ServiceCodes)
            {
                _purchases.Enqueue((token, vin, code));
            }
        }
    }

    public async Task WorkAsync(int worker, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var roll = Next(100);
            var journey = roll switch
            {
                < 35 when !_unused.IsEmpty => "rental-returned",
                < 40 when !_returned.IsEmpty => "late-fine",
                < 55 => "rental-cancelled",
                < 65 => "contest",
                < 80 when !_purchases.IsEmpty => "service-purchase",
                _ => "factory-order",
            };
            Journeys.AddOrUpdate(journey, 1, (_, count) => count + 1);
            try
            {
                await (journey switch
                {
                    "rental-returned" => RentAndReturnAsync(),
                    "rental-cancelled" => BookAndCancelAsync(),
                    "late-fine" => FineLaterAsync(),
                    "contest" => ContestAsync(),
                    "service-purchase" => PurchaseAsync(),
                    _ => OrderAsync(),
                });
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // The journey's client gave up; what it was accepted for is still checked at the end.
                output.WriteLine($"worker {worker}: {journey} gave up: {exception.GetType().Name} {exception.Message}");
            }
        }
    }

    /// <summary>
    /// Each round lifts the last round's faults, then kills a silo, restarts PostgreSQL, or faults two
    /// systems at once, walking a shuffled list of every system and mode so that a run of a minute
    /// covers all of them; Stripe events are sent again every round. With <paramref name="walkEveryFault"/>
    /// the rounds go on past <paramref name="stop"/> until every combination was injected once (a slow
    /// machine takes fewer rounds a minute), for at most as long again.
    /// </summary>
    public async Task InjectFaultsAsync(TimeSpan tick, CancellationToken stop, bool walkEveryFault = false)
    {
        var combinations = Systems.SelectMany(system => Modes.Select(mode => (System: system, Mode: mode))).OrderBy(_ => Next(1_000_000)).ToList();
        var pending = new List<(string System, string Mode)>(combinations);
        var faulted = new List<string>();
        var started = DateTimeOffset.UtcNow;
        DateTimeOffset? stoppedAt = null;
        bool Walked() => combinations.All(combination => Faults.ContainsKey($"{combination.System} {combination.Mode}"));
        for (var round = 0; ; round++)
        {
            if (stop.IsCancellationRequested)
            {
                stoppedAt ??= DateTimeOffset.UtcNow;
                if (!walkEveryFault || Walked() || DateTimeOffset.UtcNow - stoppedAt > stoppedAt - started)
                {
                    break;
                }
            }

            foreach (var system in faulted)
            {
                await _calls.FaultAsync(new { system, mode = "ok" });
            }

            if (faulted.Count > 0)
            {
                Timeline.Enqueue((DateTimeOffset.UtcNow, "lifted: " + string.Join(", ", faulted)));
            }

            faulted.Clear();
            if (round % 10 == 4)
            {
                await KillSiloAsync();
            }
            else if (round % 20 == 9)
            {
                await RestartPostgresAsync();
            }
            else
            {
                while (faulted.Count < 2)
                {
                    // Each combination once before any twice; two faults of a round on two systems.
                    if (!pending.Any(combination => !faulted.Contains(combination.System)))
                    {
                        pending.AddRange(combinations);
                    }

                    var (system, mode) = pending.First(combination => !faulted.Contains(combination.System));
                    pending.Remove((system, mode));
                    await _calls.FaultAsync(new { system, mode, latencyMs = 1500, failRate = 0.4 });
                    faulted.Add(system);
                    Count($"{system} {mode}");
                }
            }

            await ReplayStripeEventsAsync(2);
            try
            {
                await Task.Delay(tick, stop);
            }
            catch (OperationCanceledException)
            {
                // The next round decides whether the walk goes on.
            }
        }

        foreach (var system in faulted)
        {
            await _calls.FaultAsync(new { system, mode = "ok" });
        }
    }

    /// <summary>Every fault lifted and two silos serving: the platform is left to settle.</summary>
    public async Task HealAsync()
    {
        Timeline.Enqueue((DateTimeOffset.UtcNow, "healed: every fault lifted"));
        using (await platform.Http.DeleteAsync(new Uri(platform.Sandbox.BaseUrl + "/sandbox/faults")))
        {
        }

        while (platform.Silos.Count(silo => !silo.Process.HasExited) < 2)
        {
            await platform.StartSilo().Process.WaitUntilReadyAsync(platform.Http);
        }
    }

    private async Task KillSiloAsync()
    {
        var alive = platform.Silos.Where(silo => !silo.Process.HasExited).ToList();
        if (alive.Count < 2)
        {
            return;
        }

        alive[Next(alive.Count)].Process.Kill();
        Count("silo killed (SIGKILL)");
        await platform.StartSilo().Process.WaitUntilReadyAsync(platform.Http, TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// CAAS_TEST_POSTGRES_RESTART (set by ./test.sh) restarts the server itself; without it every
    /// connection to the platform's database is cut, which is what its clients see of a restart.
    /// </summary>
    private async Task RestartPostgresAsync()
    {
        if (Environment.GetEnvironmentVariable("CAAS_TEST_POSTGRES_RESTART") is { Length: > 0 } command)
        {
            using var restart = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            await restart.WaitForExitAsync();
            Assert.True(restart.ExitCode == 0, $"restarting PostgreSQL failed: {await restart.StandardError.ReadToEndAsync()}");
            Count("PostgreSQL restarted");
        }
        else
        {
            await database.ScalarAsync<long>($"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{database.Name}' AND pid <> pg_backend_pid()");
            Count("PostgreSQL connections cut");
        }

        NpgsqlConnection.ClearAllPools();
    }

    private async Task ReplayStripeEventsAsync(int count)
    {
        var sent = await platform.Http.GetFromJsonAsync<JsonElement[]>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/stripe/events"));
        if (sent is not { Length: > 0 })
        {
            return;
        }

        for (var i = 0; i < count; i++)
        {
            var id = sent[Next(sent.Length)].GetProperty("id").GetString();
            using (await platform.Http.PostAsync(new Uri(platform.Sandbox.BaseUrl + $"/sandbox/stripe/events/{id}/resend"), null))
            {
            }

            Count("Stripe event replayed");
        }
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null)
    {
        var headers = idempotencyKey is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey };
        var (status, text) = await WithRetriesAsync(() => platform.SendAsync(method, path, token, body, headers));
        return (status, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// A 5xx or a broken connection is tried again after a second and a half, a dozen times at most
    /// (a silo's death is noticed within seconds) and never past the clients' patience.
    /// </summary>
    private async Task<(HttpStatusCode Status, string Body)> WithRetriesAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var attempt = 1; ; attempt++)
        {
            var lastChance = attempt >= 12 || DateTimeOffset.UtcNow > GiveUpAt;
            Interlocked.Increment(ref _requests);
            try
            {
                using var response = await send();
                var text = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode < 500 || lastChance)
                {
                    return (response.StatusCode, text);
                }

                Interlocked.Increment(ref _serverErrors);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !lastChance)
            {
                Interlocked.Increment(ref _transportErrors);
            }

            await Task.Delay(TimeSpan.FromSeconds(1.5));
        }
    }

    /// <summary>Every fault as it was injected or lifted, in order: what a flow left unsettled went through (issue 20).</summary>
    public ConcurrentQueue<(DateTimeOffset At, string Fault)> Timeline { get; } = new();

    private void Count(string fault)
    {
        Faults.AddOrUpdate(fault, 1, (_, count) => count + 1);
        Timeline.Enqueue((DateTimeOffset.UtcNow, fault));
    }

    /// <summary>The faults injected or lifted in the seconds before a moment: what a flow's step went through.</summary>
    public IReadOnlyList<string> FaultsAround(DateTimeOffset at) =>
        [.. Timeline.Where(entry => entry.At <= at && entry.At >= at - TimeSpan.FromSeconds(3)).Select(entry => entry.Fault)];

    private int Next(int below)
    {
        lock (_randomGate)
        {
            return _random.Next(below);
        }
    }

    private static string Key() => Guid.NewGuid().ToString("N");
}
