using System.Collections.Concurrent;
using System.Diagnostics;

namespace CaaS.Bench.Scenarios;

/// <summary>
/// Issue 18 point 4: two silos on PostgreSQL with the membership settings the silo ships
/// (src/Silo/appsettings.json, not the tests' shortened ones), owners reading their reservations
/// and new bookings arriving in a closed loop, then one silo SIGKILLed under that load. Every
/// request's start, end and outcome is kept, so the report says when the last reservation became
/// readable again, how long the longest request waited for its answer, and whether the live silo
/// was ever suspected.
/// </summary>
public static class FailoverScenario
{
    private const int Readers = 32;
    private const int Bookers = 4;

    /// <summary>A read slower than this counts as the reservation not being readable: a mobile app would have shown a spinner or retried.</summary>
    private static readonly TimeSpan Stalled = TimeSpan.FromSeconds(1);

    /// <summary>The goal: readable again, and no request left failing or hanging, within this of the kill.</summary>
    private static readonly TimeSpan Goal = TimeSpan.FromSeconds(5);

    /// <summary>The tests' platform shortens failure detection; the benchmark measures what ships.</summary>
    private static readonly string[] TestMembershipOverrides =
    [
        "Orleans__Membership__ProbeTimeout", "Orleans__Membership__NumMissedProbesLimit",
        "Orleans__Membership__NumVotesForDeathDeclaration", "Orleans__Membership__TableRefreshTimeout",
    ];

    private sealed record Outcome(TimeSpan Start, TimeSpan End, bool Read, string? Error)
    {
        public TimeSpan Took => End - Start;
    }

    public static async Task<ScenarioResult> RunAsync(BenchSettings settings, Report report)
    {
        var environment = HttpScenarios.PlatformSettings(settings);
        foreach (var key in TestMembershipOverrides)
        {
            environment[key] = null;
        }

        await using var platform = await BenchPlatform.StartAsync(settings, environment, silos: 2);
        var bookings = new HttpScenarios(settings, report, platform);
        var reservations = await bookings.BookAsync(settings.FailoverReservations);
        var victim = platform.Platform.Silos[1];
        var survivor = platform.Platform.Silos[0];

        var clock = Stopwatch.StartNew();
        var outcomes = new ConcurrentQueue<Outcome>();
        using var stop = new CancellationTokenSource();
        long nextRead = -1;

        async Task WorkAsync(bool reads)
        {
            await Task.Yield();
            while (!stop.IsCancellationRequested)
            {
                var start = clock.Elapsed;
                string? error = null;
                try
                {
                    if (reads)
                    {
                        var (id, token) = reservations[(int)(Interlocked.Increment(ref nextRead) % reservations.Count)];
                        await bookings.ReadReservationAsync(id, token);
                    }
                    else
                    {
                        await bookings.CreateReservationAsync();
                    }
                }
                catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
                {
                    error = failure.Message;
                }

                outcomes.Enqueue(new Outcome(start, clock.Elapsed, reads, error));
            }
        }

        Console.WriteLine($"  {Scenario.Failover}: {Readers} readers over {reservations.Count} reservations and {Bookers} bookers on two silos, {settings.Duration.TotalSeconds:0} s before the kill...");
        Task[] workers = [.. Enumerable.Range(0, Readers).Select(_ => WorkAsync(reads: true)), .. Enumerable.Range(0, Bookers).Select(_ => WorkAsync(reads: false))];
        await Task.Delay(settings.Duration);
        var membershipBefore = await platform.MembershipAsync();
        var onVictim = await ReservationsActiveOnAsync(platform, victim.SiloPort);
        var killedAt = clock.Elapsed;
        victim.Process.Kill();
        Console.WriteLine($"  {Scenario.Failover}: silo on port {victim.SiloPort} SIGKILLed ({onVictim} reservation grains active on it); {settings.FailoverObservation.TotalSeconds:0} s after...");
        await Task.Delay(settings.FailoverObservation);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var unreadable = 0;
        await Load.ForEachAsync(reservations.Count, 16, async index =>
        {
            try
            {
                await bookings.ReadReservationAsync(reservations[(int)index].Id, reservations[(int)index].Token);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref unreadable);
            }
        });
        var membershipAfter = await platform.MembershipAsync();

        var all = outcomes.ToArray();
        var beforeKill = all.Where(outcome => outcome.End <= killedAt).ToArray();
        var afterKill = all.Where(outcome => outcome.End > killedAt).ToArray();
        var notReadable = afterKill.Where(outcome => outcome.Read && (outcome.Error is not null || outcome.Took > Stalled)).ToArray();
        var readableAgain = notReadable.Length == 0 ? TimeSpan.Zero : notReadable.Max(outcome => outcome.End) - killedAt;
        var longestWait = afterKill.Length == 0 ? TimeSpan.Zero : afterKill.Max(outcome => outcome.End - (outcome.Start > killedAt ? outcome.Start : killedAt));
        var failedAfter = afterKill.Where(outcome => outcome.Error is not null).ToArray();
        var lastFailure = failedAfter.Length == 0 ? TimeSpan.Zero : failedAfter.Max(outcome => outcome.End) - killedAt;
        // A false death: a live silo voted against or declared dead, either silo before the kill, the survivor after it.
        static bool Suspected((int SiloPort, int Generation, string Status, string? SuspectTimes) member) =>
            member.Status != "Active" || !string.IsNullOrEmpty(member.SuspectTimes);
        var falseDeaths = membershipBefore.Count(Suspected)
            + membershipAfter.Count(member => member.SiloPort == survivor.SiloPort && Suspected(member))
            + (survivor.Process.HasExited ? 1 : 0);

        var reads = afterKill.Where(outcome => outcome.Read).Select(outcome => outcome.Took.TotalMilliseconds).ToArray();
        var measurement = new Measurement(all.Count(outcome => outcome.Error is null), all.Count(outcome => outcome.Error is not null), clock.Elapsed,
            [.. all.Where(outcome => outcome.Error is null).Select(outcome => outcome.Took.TotalMilliseconds)], all.FirstOrDefault(outcome => outcome.Error is not null)?.Error);
        var result = ScenarioResult.From(Scenario.Failover,
            $"Two silos on PostgreSQL with the shipped membership settings (src/Silo/appsettings.json), {Readers} owners reading {reservations.Count} reservations round robin " +
            $"and {Bookers} clients booking, all over HTTP in a closed loop; after {settings.Duration.TotalSeconds:0} s one silo is SIGKILLed and the load goes on for " +
            $"{settings.FailoverObservation.TotalSeconds:0} s, then every reservation is read once more. A read that failed or took over {Stalled.TotalSeconds:0} s counts as not readable.",
            "requests/s", measurement);
        result.Goals.Add(Goals.Under("every reservation readable again after the kill", readableAgain.TotalSeconds, Goal.TotalSeconds, "s"));
        result.Goals.Add(Goals.Under("longest any request waited after the kill for its answer or its failure", longestWait.TotalSeconds, Goal.TotalSeconds, "s"));
        result.Goals.Add(new GoalResult("no false death: the live silo never suspected nor declared dead, under load before and after the kill",
            $"{falseDeaths} suspicions or deaths", null, falseDeaths == 0));
        result.Goals.Add(new GoalResult("every reservation readable after the run", $"{unreadable} of {reservations.Count} unreadable", null, unreadable == 0));
        result.Details.Add($"before the kill: {beforeKill.Length} requests, {beforeKill.Count(outcome => outcome.Error is not null)} failed; reservation grains on the silo killed: {onVictim}");
        result.Details.Add($"after the kill: {afterKill.Length} requests, {failedAfter.Length} failed (the last {Goals.Number(lastFailure.TotalSeconds)} s after the kill), " +
            $"{notReadable.Length} reads failed or slower than {Stalled.TotalSeconds:0} s; read latency p50/p99/max {Goals.Number(Percentiles.Of([.. reads.Order()], 0.5))}/" +
            $"{Goals.Number(Percentiles.Of([.. reads.Order()], 0.99))}/{Goals.Number(reads.Length == 0 ? 0 : reads.Max())} ms");
        result.Details.Add("membership after: " + string.Join("; ", membershipAfter.Select(member =>
            $"port {member.SiloPort}{(member.SiloPort == victim.SiloPort ? " (killed)" : "")} {member.Status}{(string.IsNullOrEmpty(member.SuspectTimes) ? "" : ", votes " + member.SuspectTimes)}")));
        if (failedAfter.FirstOrDefault() is { Error: { } error } first)
        {
            result.Details.Add($"first failure after the kill, {Goals.Number((first.End - killedAt).TotalSeconds)} s after it: `{error[..Math.Min(error.Length, 200)]}`");
        }

        return result;
    }

    private static async Task<long> ReservationsActiveOnAsync(BenchPlatform platform, int siloPort)
    {
        var statistics = await platform.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(entry => entry.SiloAddress.Endpoint.Port == siloPort && entry.GrainType.Contains("ReservationGrain", StringComparison.Ordinal))
            .Sum(entry => (long)entry.ActivationCount);
    }
}
