using System.Globalization;
using CaaS.Bench;
using CaaS.Bench.Scenarios;

// The load runner: baselines first, then each scenario on a platform started for it, then
// bench/results/latest.md and latest.json. It stops by itself; see README.md, Benchmarks.
BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (Exception invalid) when (invalid is ArgumentException or FormatException or OverflowException)
{
    await Console.Error.WriteLineAsync(invalid.Message + "\n\n" + BenchSettings.Usage);
    return 2;
}

var machine = await MachineInfo.ReadAsync(settings.PostgresServer);
Console.WriteLine($"CaaS benchmark ({(settings.Quick ? "quick" : "full")}, {settings.Duration.TotalSeconds:0.#} s per phase) on {machine.Cores} cores, load average {machine.LoadAverageAtStart}");
var report = new Report { Machine = machine, Settings = settings };
var failures = new List<string>();

async Task StepAsync(string name, Func<Task> step)
{
    Console.WriteLine(name + "...");
    try
    {
        await step();
    }
    catch (Exception exception) when (exception is not OutOfMemoryException)
    {
        // One broken scenario must not cost the figures of the others; it still fails the run.
        failures.Add($"{name}: {exception.GetType().Name}: {exception.Message}");
        await Console.Error.WriteLineAsync($"{name} failed: {exception}");
        report.Scenarios.Add(new ScenarioResult { Name = name, Description = "failed before it could measure", Unit = "", Errors = 1, FirstError = exception.Message });
    }
}

async Task OnPlatformAsync(string name, IReadOnlyDictionary<string, string?> platformSettings, Func<BenchPlatform, Task> scenarios) =>
    await StepAsync(name, async () =>
    {
        await using var platform = await BenchPlatform.StartAsync(settings, platformSettings);
        await scenarios(platform);
    });

report.Baselines.Add(await Baselines.PostgresAsync(settings));
report.Baselines.Add(await Baselines.GrainWritesAsync(settings));
// B_ping runs on the same platform as the HTTP scenarios: it is idle until they start.
await using (var http = await BenchPlatform.StartAsync(settings, HttpScenarios.PlatformSettings(settings)))
{
    report.Baselines.Add(await Baselines.PingAsync(settings, http));
    if (settings.Runs(Scenario.ReservationCreate) || settings.Runs(Scenario.ReservationRead) || settings.Runs(Scenario.Webhooks))
    {
        await StepAsync("reservations and webhooks", () => new HttpScenarios(settings, report, http).RunAsync());
    }
}

if (settings.Runs(Scenario.Ota))
{
    await OnPlatformAsync(Scenario.Ota, settings.OtaTimings, async platform => report.Scenarios.Add(await OtaScenario.RunAsync(settings, platform)));
}

if (settings.Runs(Scenario.TelemetryUpdate) || settings.Runs(Scenario.Memory))
{
    await OnPlatformAsync(Scenario.TelemetryUpdate, new Dictionary<string, string?>(), platform => FleetScenarios.RunUpdatePathAsync(settings, report, platform));
}

if (settings.Runs(Scenario.TelemetryPoller))
{
    var poller = new Dictionary<string, string?>
    {
        ["Iot__Poller__Enabled"] = "true",
        ["Iot__Poller__Interval"] = settings.PollInterval.ToString("c", CultureInfo.InvariantCulture),
        ["Sandbox__FleetSize"] = settings.Fleet.ToString(CultureInfo.InvariantCulture),
    };
    await OnPlatformAsync(Scenario.TelemetryPoller, poller, async platform => report.Scenarios.Add(await FleetScenarios.RunPollerAsync(settings, platform)));
}

if (settings.Runs(Scenario.Failover))
{
    await StepAsync(Scenario.Failover, async () => report.Scenarios.Add(await FailoverScenario.RunAsync(settings, report)));
}

machine.LoadAverageAtEnd = MachineInfo.LoadAverage();
await report.WriteAsync(settings.ResultsDirectory);
Console.WriteLine($"results: {Path.Combine(settings.ResultsDirectory, "latest.md")}");
foreach (var scenario in report.Scenarios)
{
    Console.WriteLine($"  {scenario.Name}: {Goals.Number(scenario.Throughput)} {scenario.Unit}, {scenario.Errors} errors; " +
        string.Join("; ", scenario.Goals.Select(goal => $"{goal.Goal}: {goal.Measured} ({(goal.Met ? "met" : "MISSED")})")));
}

// Quick mode asserts no figure, but a scenario that could not complete one operation is broken.
failures.AddRange(report.Scenarios.Where(scenario => scenario.Operations == 0 && scenario.Errors == 0).Select(scenario => $"{scenario.Name}: nothing measured"));
foreach (var failure in failures)
{
    await Console.Error.WriteLineAsync("FAILED " + failure);
}

return failures.Count == 0 ? 0 : 1;
