using System.Diagnostics;
using System.Net.Http.Json;
using CaaS.Grains.Abstractions.Services;

namespace CaaS.Bench.Scenarios;

/// <summary>
/// IOT-3 at scale: thousands of OTA activations at once, every attempt failing at the vehicle so each
/// command keeps to its retry schedule (timer for the cadence, reminder as the watchdog). Lateness is
/// read from the commands' own persisted attempts: when each was due and when it started.
/// </summary>
public static class OtaScenario
{
    private const int StartConcurrency = 64;

    public static async Task<ScenarioResult> RunAsync(BenchSettings settings, BenchPlatform platform)
    {
        // Every command is acknowledged, then reported FAILED shortly after: each attempt ends at its
        // first progress poll and the next one is scheduled a retry interval later.
        var failAfterMs = settings.Quick ? 200 : 1_000;
        using (var behavior = await platform.Platform.Http.PostAsJsonAsync(new Uri(platform.Platform.Sandbox.BaseUrl + "/sandbox/iot/behavior"),
                   new { outcome = "fail", delayMs = failAfterMs }))
        {
            behavior.EnsureSuccessStatusCode();
        }

        var stallsBefore = platform.StallWarnings;
        var cpu = await platform.CpuAsync();
        var cpuBefore = cpu.Take();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"  {Scenario.Ota}: starting {settings.OtaCommands} activations...");
        await Load.ForEachAsync(settings.OtaCommands, StartConcurrency, index =>
            platform.Grains.GetGrain<IOtaCommandGrain>($"bench-ota-{index}").StartAsync(new OtaCommandRequest(
                $"WVWZZZ1KZ{index:D8}", "ACTIVATE_SERVICE", new Dictionary<string, string> { ["serviceCode"] = "ENHANCED_POWER" }, $"bench-purchase-{index}")));
        var startPhase = clock.Elapsed;

        // Long enough for every command to fail twice and start its third attempt on schedule.
        var window = Max(settings.Duration, (2 * (settings.OtaRetryInterval + settings.OtaPollInterval)) + settings.OtaPollInterval);
        Console.WriteLine($"  {Scenario.Ota}: started in {startPhase.TotalSeconds:0.0} s; following their schedules for {window.TotalSeconds:0} s...");
        await Task.Delay(window);
        var ended = DateTimeOffset.UtcNow;
        var cpuAfter = cpu.Take();
        var stalls = platform.StallWarnings - stallsBefore;

        var views = new OtaCommandView?[settings.OtaCommands];
        await Load.ForEachAsync(settings.OtaCommands, StartConcurrency, async index =>
            views[index] = await platform.Grains.GetGrain<IOtaCommandGrain>($"bench-ota-{index}").GetAsync());
        var attempts = views.SelectMany(view => view?.Attempts ?? []).Where(attempt => attempt.StartedAt <= ended).ToArray();
        var lateness = attempts.Select(attempt => Math.Max(0, (attempt.StartedAt - attempt.ScheduledAt).TotalMilliseconds)).ToArray();
        var measurement = new Measurement(attempts.Length, views.Count(view => view is null), ended - started, lateness, null);

        var result = ScenarioResult.From(Scenario.Ota,
            $"{settings.OtaCommands:N0} OTA commands started at once from an Orleans client ({StartConcurrency} starts in flight), the sandbox's API IoT acknowledging every command " +
            $"and reporting it FAILED {failAfterMs} ms later, on the product's schedule: retry interval {settings.OtaRetryInterval.TotalSeconds:0.#} s, progress polled every " +
            $"{settings.OtaPollInterval.TotalSeconds:0.#} s (Ota__* settings). Followed for {window.TotalSeconds:0} s after the start phase. " +
            "Throughput is attempts started per second over the whole scenario; the latency columns are attempt lateness (started minus due), from each command's persisted attempts.",
            "attempts/s", measurement);
        result.Goals.Add(Goals.Under("attempt lateness p99", measurement.Latency.P99Ms / 1000, 5, "s"));
        result.Goals.Add(new GoalResult("no thread-pool starvation warnings", $"{stalls} warnings", null, stalls == 0));
        result.Details.Add($"start phase: {settings.OtaCommands:N0} activations in {startPhase.TotalSeconds:0.0} s ({Goals.Number(settings.OtaCommands / startPhase.TotalSeconds)}/s)");
        result.Details.Add($"attempts: {attempts.Length:N0} ({Goals.Number(attempts.Length / (double)Math.Max(1, views.Count(view => view is not null)))} per command); " +
            $"statuses: {string.Join(", ", views.GroupBy(view => view?.Status.ToString() ?? "missing").Select(group => $"{group.Key} {group.Count():N0}"))}");
        result.Details.Add($"CPU per attempt (starts included), ms: {CpuMeter.PerOperation(cpuBefore, cpuAfter, attempts.Length)}");
        result.Details.Add($"lateness max {Goals.Number(measurement.Latency.MaxMs / 1000)} s; thread-pool stall warnings in the silo's log: {stalls}; silo working set at the end {platform.SiloWorkingSetBytes() / 1_000_000:N0} MB");
        return result;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
