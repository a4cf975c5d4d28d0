using System.Globalization;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaaS.Bench;

/// <summary>
/// The platform as the integration tests start it (sandbox, one silo, API host as processes) on a
/// fresh PostgreSQL database, plus what the runner reads from outside: an Orleans client like the API
/// host's, the silo's /metrics and working set, the grain-state writes in the database, and the
/// silo's thread-pool stall warnings.
/// </summary>
public sealed class BenchPlatform : IAsyncDisposable
{
    /// <summary>What Orleans logs when the .NET thread pool stops running work items (starvation, or a long GC pause).</summary>
    private static readonly string[] StallMarkers = ["Thread Pool execution stalled", "Thread Pool starvation"];

    private readonly PostgresDatabase _database;
    private readonly Platform _platform;
    private readonly IHost _client;
    private readonly string _postgresServer;
    private readonly OrleansTlsMaterial? _tls;
    private CpuMeter? _cpu;
    private long _stallWarnings;

    private BenchPlatform(PostgresDatabase database, Platform platform, IHost client, string postgresServer, OrleansTlsMaterial? tls)
    {
        _tls = tls;
        _database = database;
        _platform = platform;
        _client = client;
        _postgresServer = postgresServer;
        Silo.OutputLine += line =>
        {
            if (StallMarkers.Any(marker => line.Contains(marker, StringComparison.Ordinal)))
            {
                Interlocked.Increment(ref _stallWarnings);
            }
        };
    }

    public Platform Platform => _platform;

    public IClusterClient Grains => _client.Services.GetRequiredService<IClusterClient>();

    public HostProcess Silo => _platform.Silos[0].Process;

    public long StallWarnings => Interlocked.Read(ref _stallWarnings);

    public async Task<CpuMeter> CpuAsync() => _cpu ??= await CpuMeter.ForAsync(this, _postgresServer);

    /// <summary>
    /// A closed loop measured after an unmeasured one as long as the warm-up (so the hosts' JIT and
    /// pools are warm), with where the measured phase's CPU went, per operation.
    /// </summary>
    public async Task<(Measurement Measurement, CpuPerOperation Cpu)> MeasureClosedAsync(int workers, BenchSettings settings, Func<long, Task> operation)
    {
        await Load.ClosedAsync(workers, settings.Warmup, operation);
        var settled = await WarmUntilJitSettlesAsync(workers, settings, operation);
        var jitBefore = await JitSecondsAsync();
        var (measurement, cpu) = await WithCpuAsync(() => Load.ClosedAsync(workers, settings.Duration, operation));
        var jitDuring = await JitSecondsAsync() - jitBefore;
        return (measurement, cpu with
        {
            Warmup = $"warm-up {settings.Warmup.TotalSeconds:0} s + {settled.TotalSeconds:0} s until the silo's and the API host's JIT spent under " +
                $"{SettledJitShare:P0} of a core; JIT in the measured phase {jitDuring:0.##} s",
        });
    }

    /// <summary>Below this share of one core spent compiling, the hosts count as warm.</summary>
    private const double SettledJitShare = 0.02;

    /// <summary>
    /// A silo booking under load went on re-compiling (tiering up) for most of a minute after a fixed
    /// warm-up, up to a fifth of its CPU (issue 18, profiled): a phase measured then counts start-up,
    /// not what a booking costs a running silo. The load goes on, unmeasured, in short steps until the
    /// JIT is nearly idle or the warm-up has lasted three times as long again.
    /// </summary>
    private async Task<TimeSpan> WarmUntilJitSettlesAsync(int workers, BenchSettings settings, Func<long, Task> operation)
    {
        var step = settings.Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(3);
        var started = DateTimeOffset.UtcNow;
        var (jit, at) = (await JitSecondsAsync(), started);
        while (at - started < settings.Warmup * 3)
        {
            await Load.ClosedAsync(workers, step, operation);
            // One step's end is the next one's start: each step scrapes the hosts once.
            var (jitNow, now) = (await JitSecondsAsync(), DateTimeOffset.UtcNow);
            if ((jitNow - jit) / (now - at).TotalSeconds < SettledJitShare)
            {
                break;
            }

            (jit, at) = (jitNow, now);
        }

        return DateTimeOffset.UtcNow - started;
    }

    /// <summary>Seconds the silo and the API host have spent in the JIT since they started (the runtime's own counter).</summary>
    private async Task<double> JitSecondsAsync()
    {
        const string Jit = "dotnet_jit_compilation_time_seconds_total";
        var api = await _platform.Http.GetStringAsync(new Uri(_platform.ApiHost.BaseUrl + "/metrics"));
        return Prometheus.Sum(await SiloMetricsAsync(), Jit) + Prometheus.Sum(api, Jit);
    }

    /// <summary>Runs a measured phase and says where its CPU went, per operation.</summary>
    public async Task<(Measurement Measurement, CpuPerOperation Cpu)> WithCpuAsync(Func<Task<Measurement>> phase)
    {
        var cpu = await CpuAsync();
        var before = cpu.Take();
        var measurement = await phase();
        return (measurement, CpuMeter.PerOperation(before, cpu.Take(), measurement.Operations));
    }

    /// <summary>Settings every platform the runner starts shares, whatever the scenario adds.</summary>
    private static readonly Dictionary<string, string?> Common = new()
    {
        // The runner drives the poller itself where it wants it: elsewhere its load would blur the figures.
        ["Iot__Poller__Enabled"] = "false",
        // Production response timeout: the tests' ten seconds would turn a loaded moment into errors.
        ["Orleans__Messaging__ResponseTimeout"] = "00:00:30",
    };

    /// <param name="silos">Silos of the cluster; the CPU meter and the working set read the first.</param>
    public static async Task<BenchPlatform> StartAsync(BenchSettings bench, IReadOnlyDictionary<string, string?> settings, int silos = 1)
    {
        var database = await PostgresDatabase.CreateAsync(server: bench.PostgresServer);
        // The production shape's event log: the platform runs on a JetStream server of its own when nats-server is installed.
        if (!NatsServer.IsAvailable && File.Exists("/usr/sbin/nats-server"))
        {
            Environment.SetEnvironmentVariable("CAAS_TEST_NATS_SERVER", "/usr/sbin/nats-server");
        }

        var tls = bench.OrleansTls ? new OrleansTlsMaterial() : null;
        Platform? platform = null;
        try
        {
            var environment = new Dictionary<string, string?>(Common)
            {
                // perf maps JIT-compiled code by address; W^X double mapping would hide those addresses from it.
                ["DOTNET_PerfMapEnabled"] = bench.PerfMap ? "1" : null,
                ["DOTNET_EnableWriteXorExecute"] = bench.PerfMap ? "0" : null,
                [CaaS.Hosting.TelemetryExtensions.DatabaseTelemetrySetting.Replace(":", "__", StringComparison.Ordinal)] = bench.WithoutDatabaseTelemetry ? "false" : null,
            };
            foreach (var (key, value) in settings.Concat(tls?.PlatformEnvironment ?? new Dictionary<string, string?>()))
            {
                environment[key] = value;
            }

            platform = await Platform.StartAsync(database.ConnectionString, silos, environment);
            // With TLS on, the runner's client is one more member: without its certificate the gateway would drop it.
            var clientSettings = new Dictionary<string, string?>(tls?.ClientSettings ?? new Dictionary<string, string?>())
            {
                ["Orleans:Messaging:ResponseTimeout"] = Common["Orleans__Messaging__ResponseTimeout"],
            };
            var client = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString, clientSettings,
                builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
            return new BenchPlatform(database, platform, client, bench.PostgresServer, tls);
        }
        catch
        {
            tls?.Dispose();
            if (platform is not null)
            {
                await platform.DisposeAsync();
            }

            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>The silo's resident set (VmRSS): what the memory goal calls its working set.</summary>
    public long SiloWorkingSetBytes()
    {
        var line = File.ReadLines($"/proc/{Silo.ProcessId}/status").First(candidate => candidate.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public Task<string> SiloMetricsAsync() => _platform.Http.GetStringAsync(new Uri(_platform.Silos[0].HttpUrl + "/metrics"));

    /// <summary>Grain-state writes so far of one state name: every write bumps its row's version by one, a first write inserts version 1.</summary>
    public async Task<long> StateWritesAsync(string stateName)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(version), 0) FROM orleans_grain_state WHERE grain_type = @type", connection);
        command.Parameters.AddWithValue("type", stateName);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Each silo incarnation's row in the membership table: its silo port, status and the votes against it.</summary>
    public async Task<IReadOnlyList<(int SiloPort, int Generation, string Status, string? SuspectTimes)>> MembershipAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT port, generation, status, suspect_times FROM orleans_cluster_member WHERE deployment_id = @cluster ORDER BY port, generation", connection);
        command.Parameters.AddWithValue("cluster", _platform.ClusterId);
        var members = new List<(int, int, string, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            members.Add((reader.GetInt32(0), reader.GetInt32(1), ((Orleans.Runtime.SiloStatus)reader.GetInt32(2)).ToString(),
                reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return members;
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        await _platform.DisposeAsync();
        await _database.DisposeAsync();
        _tls?.Dispose();
    }
}

/// <summary>Reads figures out of Prometheus text exposition.</summary>
public static class Prometheus
{
    /// <summary>The sum of every sample of <paramref name="metric"/> whose labels contain each of <paramref name="labels"/>.</summary>
    public static double Sum(string text, string metric, params string[] labels) =>
        text.Split('\n')
            .Where(line => line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && line[metric.Length] is '{' or ' ')
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Sum(line => double.Parse(Value(line[metric.Length] == '{' ? line[(line.LastIndexOf('}') + 1)..] : line[metric.Length..]), CultureInfo.InvariantCulture));

    /// <summary>The value, before the optional timestamp; label values may hold spaces, so this reads after the labels.</summary>
    private static string Value(string afterLabels) => afterLabels.Trim().Split(' ')[0];
}
