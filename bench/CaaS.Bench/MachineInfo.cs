using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using CaaS.TestSupport;
using Npgsql;

namespace CaaS.Bench;

/// <summary>The machine a run measured, so figures from different runs are never compared without it.</summary>
public sealed class MachineInfo
{
    public required DateTimeOffset Date { get; init; }

    public required string Commit { get; init; }

    public required string Cpu { get; init; }

    public required int Cores { get; init; }

    public required double MemoryGb { get; init; }

    public required string Os { get; init; }

    public required string Runtime { get; init; }

    public required string Postgres { get; init; }

    public required string LoadAverageAtStart { get; init; }

    public string LoadAverageAtEnd { get; set; } = "";

    public static async Task<MachineInfo> ReadAsync(string postgresServer) => new()
    {
        Date = DateTimeOffset.UtcNow,
        Commit = await CommitAsync(),
        Cpu = ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Cores = Environment.ProcessorCount,
        MemoryGb = double.Parse((ProcField("/proc/meminfo", "MemTotal") ?? "0").Split(' ')[0], CultureInfo.InvariantCulture) / 1024 / 1024,
        Os = RuntimeInformation.OSDescription,
        Runtime = Environment.Version.ToString(),
        Postgres = await PostgresVersionAsync(postgresServer),
        LoadAverageAtStart = LoadAverage(),
    };

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string? ProcField(string file, string field) =>
        File.Exists(file)
            ? File.ReadLines(file).Where(line => line.StartsWith(field, StringComparison.Ordinal)).Select(line => line[(line.IndexOf(':') + 1)..].Trim()).FirstOrDefault()
            : null;

    private static async Task<string> PostgresVersionAsync(string server)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The commit measured, marked when the tree had changes on top of it.</summary>
    private static async Task<string> CommitAsync()
    {
        var head = await GitAsync("rev-parse", "--short=12", "HEAD");
        var changes = await GitAsync("status", "--porcelain", "--untracked-files=no");
        return head.Length == 0 ? "unknown" : changes.Length == 0 ? head : head + " (with uncommitted changes)";
    }

    private static async Task<string> GitAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var git = Process.Start(start)!;
            var output = await git.StandardOutput.ReadToEndAsync();
            await git.WaitForExitAsync();
            return git.ExitCode == 0 ? output.Trim() : "";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}
