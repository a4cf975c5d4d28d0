using System.Globalization;
using CaaS.TestSupport;
using Npgsql;

namespace CaaS.Bench;

/// <summary>
/// CPU time each process of the run spent (user + system, from /proc), so a scenario can say where
/// each operation's cost lands: silo, API host, sandbox, PostgreSQL (its postmaster and every backend)
/// or the runner itself. On two shared cores this is what the throughput is made of.
/// </summary>
public sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on every Linux the runner targets

    private readonly IReadOnlyList<(string Name, Func<IEnumerable<int>> Pids)> _groups;

    private CpuMeter(IReadOnlyList<(string Name, Func<IEnumerable<int>> Pids)> groups) => _groups = groups;

    public static async Task<CpuMeter> ForAsync(BenchPlatform platform, string postgresServer)
    {
        var postmaster = await PostmasterAsync(postgresServer);
        return new CpuMeter(
        [
            ("silo", () => [platform.Silo.ProcessId]),
            ("API host", () => [platform.Platform.ApiHost.ProcessId]),
            ("sandbox", () => [platform.Platform.Sandbox.ProcessId]),
            ("PostgreSQL", () => postmaster is { } pid ? [pid, .. ProcessTree.DescendantsOf(pid)] : []),
            ("runner", () => [Environment.ProcessId]),
        ]);
    }

    public Snapshot Take() => new(_groups.Select(group => (group.Name, group.Pids().Sum(CpuSeconds))).ToArray());

    /// <summary>Milliseconds of CPU per operation in each group between two snapshots.</summary>
    public static CpuPerOperation PerOperation(Snapshot before, Snapshot after, long operations) =>
        new([.. after.Seconds.Zip(before.Seconds, (end, start) => (end.Name, (end.Cpu - start.Cpu) * 1000 / Math.Max(1, operations)))]);

    public sealed record Snapshot((string Name, double Cpu)[] Seconds);

    private static double CpuSeconds(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (name) state ..."; utime and stime are fields 14 and 15.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            // The process ended (a PostgreSQL backend closing): its time is lost to both snapshots alike.
            return 0;
        }
    }

    /// <summary>The server's postmaster when it runs on this machine: the parent of our own backend.</summary>
    private static async Task<int?> PostmasterAsync(string server)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backend = (int)(await command.ExecuteScalarAsync())!;
        var stat = $"/proc/{backend}/stat";
        if (!File.Exists(stat))
        {
            return null;
        }

        var text = await File.ReadAllTextAsync(stat);
        return int.Parse(text[(text.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }
}

/// <summary>Where one operation's CPU went, in milliseconds per process group; written as "silo 1.2, API host 0.4, ...".</summary>
public sealed record CpuPerOperation((string Name, double Ms)[] Groups)
{
    /// <summary>The platform's own cost: what the goals count (the sandbox plays the outside world, the runner is the load).</summary>
    public double Platform => Sum("silo", "API host", "PostgreSQL");

    public double Sum(params string[] names) => Groups.Where(group => names.Contains(group.Name)).Sum(group => group.Ms);

    /// <summary>How the phase was warmed, said after the figures when the phase had a warm-up.</summary>
    public string? Warmup { get; init; }

    public override string ToString() =>
        string.Join(", ", Groups.Select(group => $"{group.Name} {group.Ms:0.###}")) + (Warmup is null ? "" : $" ({Warmup})");
}
