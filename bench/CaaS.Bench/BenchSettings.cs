using System.Globalization;
using CaaS.Grains.Services;
using CaaS.Grains.Telemetry;
using CaaS.TestSupport;

namespace CaaS.Bench;

/// <summary>
/// What one run measures and how big it is. The full sizes are the goals' (a 100,000-vehicle fleet,
/// 10,000 OTA activations); quick mode shrinks every size and timing so ./test.sh can prove the runner
/// still works in seconds, without reading anything into its figures.
/// </summary>
public sealed record BenchSettings
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/CaaS.Bench -- <all | scenario...> [options]

        scenarios: reservation-create, reservation-read, webhooks, ota, telemetry-update, memory, telemetry-poller, failover
                   (the baselines B_pg, B_write and B_ping are measured first on every run)
        options:
          --duration 30s     how long each measured phase runs (ms, s or m; default 30s, 5s with --quick)
          --quick            small fleet and short timings: proves the runner works, figures mean little
          --postgres CS      a PostgreSQL server connection string (default: CAAS_BENCH_POSTGRES, then CAAS_TEST_POSTGRES);
                             the runner creates and drops its own databases there
          --results DIR      where latest.md and latest.json go (default bench/results)
          --fleet N          vehicles for the telemetry and memory scenarios (default 250000, 1000 with --quick)
          --ota N            concurrent OTA activations (default 10000, 200 with --quick)
          --perf-map         hosts write /tmp/perf-PID.map, so `perf record -g -p PID` names JIT-compiled methods
          --plain-orleans    Orleans traffic without TLS; by default it runs over mutual TLS as in production
                             (a CA made for the run; every host and the runner's own client get a certificate from it)
        """;

    public static readonly string[] AllScenarios =
        [Scenario.ReservationCreate, Scenario.ReservationRead, Scenario.Webhooks, Scenario.Ota, Scenario.TelemetryUpdate, Scenario.Memory, Scenario.TelemetryPoller, Scenario.Failover];

    public required IReadOnlyList<string> Scenarios { get; init; }

    public required TimeSpan Duration { get; init; }

    public required bool Quick { get; init; }

    public required string PostgresServer { get; init; }

    public required string ResultsDirectory { get; init; }

    public required string CommandLine { get; init; }

    /// <summary>Vehicles the telemetry scenarios poll and update, and the memory scenario keeps active.</summary>
    public required int Fleet { get; init; }

    public required int OtaCommands { get; init; }

    /// <summary>Profiling aid: the hosts publish their JIT-compiled code to perf (DOTNET_PerfMapEnabled).</summary>
    public bool PerfMap { get; init; }

    /// <summary>The production shape's Orleans mutual TLS (issue 16 point 6), on unless --plain-orleans: issue 18 measures the production shape.</summary>
    public bool OrleansTls { get; init; }

    /// <summary>Issue 17 point 4: the hosts without Npgsql's traces and metrics, to measure what they cost.</summary>
    public bool WithoutDatabaseTelemetry { get; init; }

    /// <summary>Unmeasured load before each HTTP phase, so the hosts' JIT and pools are warm.</summary>
    public TimeSpan Warmup => Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(20);

    /// <summary>The sandbox fleet reservations are spread over: enough that no vehicle's timeslots grow long.</summary>
    public int RentalFleet => Quick ? 100 : 1_000;

    public int Customers => Quick ? 20 : 200;

    public int Orders => Quick ? 50 : 1_000;

    /// <summary>Reservations the failover scenario reads round robin: enough that both silos hold many.</summary>
    public int FailoverReservations => Quick ? 50 : 2_000;

    /// <summary>How long the failover scenario keeps its load on after the kill: the goal's 5 s several times over.</summary>
    public TimeSpan FailoverObservation => Quick ? TimeSpan.FromSeconds(10) : Duration;

    /// <summary>The poller's cadence: the product's minute, or two seconds in quick mode.</summary>
    public TimeSpan PollInterval => Quick ? TimeSpan.FromSeconds(2) : new TelemetryPollerOptions().Interval;

    /// <summary>
    /// IOT-3's schedule as the product runs it (30 s retries, 5 s polls, 60 s attempts), or compressed
    /// in quick mode. Keys are the product's own configuration.
    /// </summary>
    public IReadOnlyDictionary<string, string?> OtaTimings => Quick
        ? new Dictionary<string, string?> { ["Ota__RetryInterval"] = "00:00:01", ["Ota__PollInterval"] = "00:00:00.5", ["Ota__AttemptTimeout"] = "00:00:05" }
        : new Dictionary<string, string?>();

    public TimeSpan OtaRetryInterval => Quick ? TimeSpan.FromSeconds(1) : new OtaOptions().RetryInterval;

    public TimeSpan OtaPollInterval => Quick ? TimeSpan.FromSeconds(0.5) : new OtaOptions().PollInterval;

    public bool Runs(string scenario) => Scenarios.Contains(scenario);

    public static BenchSettings Parse(string[] args)
    {
        var scenarios = new List<string>();
        TimeSpan? duration = null;
        var quick = false;
        string? postgres = null;
        string? results = null;
        int? fleet = null;
        int? ota = null;
        var perfMap = false;
        var orleansTls = true;
        var withoutDatabaseTelemetry = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--duration":
                    duration = ParseDuration(Value());
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--postgres":
                    postgres = Value();
                    break;
                case "--results":
                    results = Value();
                    break;
                case "--fleet":
                    fleet = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--ota":
                    ota = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--perf-map":
                    perfMap = true;
                    break;
                case "--orleans-tls":
                    orleansTls = true;
                    break;
                case "--plain-orleans":
                    orleansTls = false;
                    break;
                case "--no-database-telemetry":
                    withoutDatabaseTelemetry = true;
                    break;
                case "all":
                    scenarios.AddRange(AllScenarios);
                    break;
                case var name when AllScenarios.Contains(name):
                    scenarios.Add(name);
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }

        if (scenarios.Count == 0)
        {
            throw new ArgumentException("name the scenarios to run, or all");
        }

        postgres ??= Environment.GetEnvironmentVariable("CAAS_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("CAAS_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(postgres))
        {
            throw new ArgumentException("no PostgreSQL server: pass --postgres or set CAAS_BENCH_POSTGRES (see README.md, Benchmarks)");
        }

        return new BenchSettings
        {
            Scenarios = [.. AllScenarios.Where(scenarios.Contains)],
            Duration = duration ?? (quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(30)),
            Quick = quick,
            PostgresServer = postgres,
            ResultsDirectory = Path.GetFullPath(results ?? Path.Combine(Repository.Root, "bench", "results")),
            CommandLine = "dotnet run -c " + Repository.Configuration + " --project bench/CaaS.Bench -- " + string.Join(' ', args.Select(Redact(args))),
            Fleet = fleet ?? (quick ? 1_000 : 250_000),
            OtaCommands = ota ?? (quick ? 200 : 10_000),
            PerfMap = perfMap,
            OrleansTls = orleansTls,
            WithoutDatabaseTelemetry = withoutDatabaseTelemetry,
        };
    }

    public static TimeSpan ParseDuration(string text)
    {
        static double Number(string digits) => double.Parse(digits, CultureInfo.InvariantCulture);
        return text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => TimeSpan.FromMilliseconds(Number(text[..^2])),
            _ when text.EndsWith('s') => TimeSpan.FromSeconds(Number(text[..^1])),
            _ when text.EndsWith('m') => TimeSpan.FromMinutes(Number(text[..^1])),
            _ => TimeSpan.Parse(text, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>A connection string may carry a password: the results file names the option, not its value.</summary>
    private static Func<string, int, string> Redact(string[] args) =>
        (arg, index) => index > 0 && args[index - 1] == "--postgres" ? "<server>" : arg;
}

public static class Scenario
{
    public const string ReservationCreate = "reservation-create";
    public const string ReservationRead = "reservation-read";
    public const string Webhooks = "webhooks";
    public const string Ota = "ota";
    public const string TelemetryUpdate = "telemetry-update";
    public const string Memory = "memory";
    public const string TelemetryPoller = "telemetry-poller";
    public const string Failover = "failover";
}
