using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CaaS.Bench;

public sealed record BaselineResult(string Name, string Description, double PerSecond, string Unit, Latency Latency, long Operations, long Errors);

/// <summary>One performance goal next to what was measured; the ratio is against the baseline the goal names.</summary>
public sealed record GoalResult(string Goal, string Measured, string? Ratio, bool Met);

public sealed class ScenarioResult
{
    public required string Name { get; init; }

    /// <summary>What exactly ran: sizes, configuration, load shape.</summary>
    public required string Description { get; init; }

    public double Throughput { get; init; }

    public required string Unit { get; init; }

    public Latency? Latency { get; init; }

    public long Operations { get; init; }

    public long Errors { get; init; }

    public string? FirstError { get; init; }

    public List<GoalResult> Goals { get; } = [];

    /// <summary>Further figures the scenario measured (warm-up rates, writes, memory, counts).</summary>
    public List<string> Details { get; } = [];

    public static ScenarioResult From(string name, string description, string unit, Measurement measurement) => new()
    {
        Name = name,
        Description = description,
        Unit = unit,
        Throughput = measurement.PerSecond,
        Latency = measurement.Latency,
        Operations = measurement.Operations,
        Errors = measurement.Errors,
        FirstError = measurement.FirstError,
    };
}

public static class Goals
{
    public static GoalResult AtLeast(double measured, double factor, BaselineResult baseline, string unit) =>
        new($"≥ {factor.ToString("0.##", CultureInfo.InvariantCulture)} × {baseline.Name} = {Number(factor * baseline.PerSecond)} {unit}",
            $"{Number(measured)} {unit}", Ratio(measured, baseline), measured >= factor * baseline.PerSecond);

    public static GoalResult AtMost(double measured, double factor, BaselineResult baseline, string unit) =>
        new($"≤ {factor.ToString("0.##", CultureInfo.InvariantCulture)} × {baseline.Name} = {Number(factor * baseline.PerSecond)} {unit}",
            $"{Number(measured)} {unit}", Ratio(measured, baseline), measured <= factor * baseline.PerSecond);

    public static GoalResult Under(string what, double measured, double limit, string unit) =>
        new($"{what} < {Number(limit)} {unit}", $"{Number(measured)} {unit}", null, measured < limit);

    public static string Number(double value) => value switch
    {
        >= 100 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    private static string Ratio(double measured, BaselineResult baseline) =>
        $"{(baseline.PerSecond > 0 ? measured / baseline.PerSecond : 0).ToString("0.###", CultureInfo.InvariantCulture)} × {baseline.Name}";
}

public sealed class Report
{
    public required MachineInfo Machine { get; init; }

    public required BenchSettings Settings { get; init; }

    public List<BaselineResult> Baselines { get; } = [];

    public List<ScenarioResult> Scenarios { get; } = [];

    public BaselineResult Baseline(string name) => Baselines.Single(baseline => baseline.Name == name);

    public async Task WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var markdown = Markdown(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.md"), markdown);
        // Issue 18 asks for two runs' figures side by side: each run also keeps a copy of its own under runs/.
        var runs = Directory.CreateDirectory(Path.Combine(directory, "runs"));
        await File.WriteAllTextAsync(Path.Combine(runs.FullName, $"{Machine.Date:yyyy-MM-dd-HHmm}-{Machine.Commit.Split(' ')[0]}.md"), markdown);
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.json"), JsonSerializer.Serialize(new
        {
            Machine,
            mode = Settings.Quick ? "quick" : "full",
            duration = Settings.Duration.TotalSeconds,
            command = Settings.CommandLine,
            selected = Settings.Scenarios,
            Baselines,
            Scenarios,
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }) + "\n");
    }

    private string Markdown(string directory)
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results").AppendLine();
        md.AppendLine("Written by the load runner (`bench/CaaS.Bench`); every figure is a ratio against baselines measured in the same run on the same machine.").AppendLine();
        md.AppendLine($"- date: {Machine.Date:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine($"- commit: `{Machine.Commit}`");
        md.AppendLine($"- command: `{Settings.CommandLine}`");
        md.AppendLine($"- mode: {(Settings.Quick ? "quick (sizes and timings shrunk; figures prove nothing)" : "full")}, {Settings.Duration.TotalSeconds:0.#} s per measured phase");
        md.AppendLine($"- machine: {Machine.Cpu}, {Machine.Cores} cores, {Machine.MemoryGb:0.#} GB RAM; {Machine.Os}; .NET {Machine.Runtime}; PostgreSQL {Machine.Postgres}");
        md.AppendLine($"- load average at start (1, 5, 15 min): {Machine.LoadAverageAtStart}; at the end: {Machine.LoadAverageAtEnd}");
        md.AppendLine();
        md.AppendLine("## Baselines").AppendLine();
        md.AppendLine("| baseline | what | per second | p50 ms | p99 ms | errors |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var baseline in Baselines)
        {
            md.AppendLine($"| {baseline.Name} | {baseline.Description} | {Goals.Number(baseline.PerSecond)} {baseline.Unit} | {Ms(baseline.Latency.P50Ms)} | {Ms(baseline.Latency.P99Ms)} | {baseline.Errors} |");
        }

        md.AppendLine().AppendLine("## Scenarios").AppendLine();
        md.AppendLine("| scenario | throughput | p50 ms | p95 ms | p99 ms | errors | goal | measured | ratio | met |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---|---:|---:|---|");
        foreach (var scenario in Scenarios)
        {
            var figures = $"{Goals.Number(scenario.Throughput)} {scenario.Unit} | {Ms(scenario.Latency?.P50Ms)} | {Ms(scenario.Latency?.P95Ms)} | {Ms(scenario.Latency?.P99Ms)} | {scenario.Errors}";
            var goals = scenario.Goals.Count > 0 ? scenario.Goals : [new GoalResult("(none)", "", null, true)];
            for (var i = 0; i < goals.Count; i++)
            {
                var goal = goals[i];
                var met = goal.Goal == "(none)" ? "" : goal.Met ? "yes" : "**no**";
                md.AppendLine($"| {(i == 0 ? scenario.Name : "")} | {(i == 0 ? figures : " | | | | ")} | {goal.Goal} | {goal.Measured} | {goal.Ratio} | {met} |");
            }
        }

        md.AppendLine().AppendLine("## What ran").AppendLine();
        foreach (var scenario in Scenarios)
        {
            md.AppendLine($"### {scenario.Name}").AppendLine().AppendLine(scenario.Description).AppendLine();
            foreach (var detail in scenario.Details)
            {
                md.AppendLine($"- {detail}");
            }

            if (scenario.FirstError is { } error)
            {
                md.AppendLine($"- first error: `{error.ReplaceLineEndings(" ")[..Math.Min(error.Length, 300)]}`");
            }

            md.AppendLine();
        }

        // Hand-written: the fixes item 4 made (before and after) and the gaps left, kept beside the
        // generated figures so a reader of this file sees both.
        var notes = Path.Combine(directory, "notes.md");
        if (File.Exists(notes))
        {
            md.AppendLine(File.ReadAllText(notes).TrimEnd()).AppendLine();
        }

        return md.ToString();
    }

    private static string Ms(double? value) => value is { } ms ? Goals.Number(ms) : "";
}
