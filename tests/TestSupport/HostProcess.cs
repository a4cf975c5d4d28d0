using System.Collections.Concurrent;
using System.Diagnostics;

namespace CaaS.TestSupport;

/// <summary>
/// One of the platform's hosts running as a real process, so that a test can kill it the way a
/// machine dies (SIGKILL, no shutdown) and see what survives.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private const int RecentLines = 200;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(string name, Process process, string baseUrl)
    {
        Name = name;
        _process = process;
        BaseUrl = baseUrl;
        _process.OutputDataReceived += (_, line) => Remember(line.Data);
        _process.ErrorDataReceived += (_, line) => Remember(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string BaseUrl { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string RecentOutput => string.Join('\n', _output);

    public int ExitCode => _process.ExitCode;

    /// <summary>For a host expected to refuse to start: waits for it to end, all its output read.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    /// <summary>Every line the process writes, as it arrives (on a reader thread), for whoever must count more than the recent ones.</summary>
    public event Action<string>? OutputLine;

    public static HostProcess Start(string project, string baseUrl, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Repository.HostDll(project) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        start.Environment["ASPNETCORE_URLS"] = baseUrl;
        // SEC-5: the tests' hosts are local runs, on config/local.json; a test of the production rules passes its own environment.
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {project}");
        return new HostProcess(project, process, baseUrl);
    }

    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan? timeout = null)
    {
        await Eventually.Until(async () =>
        {
            if (HasExited)
            {
                throw new GiveUpException($"{Name} exited with {_process.ExitCode}:\n{RecentOutput}");
            }

            using var response = await http.GetAsync(new Uri(BaseUrl + "/health/ready"));
            return response.IsSuccessStatusCode;
        }, $"{Name} at {BaseUrl} to be ready", timeout);
    }

    /// <summary>Dies as a machine dies: no shutdown hooks, no membership goodbye.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        Signals.Terminate(_process.Id);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        OutputLine?.Invoke(line);
        _output.Enqueue(line);
        while (_output.Count > RecentLines && _output.TryDequeue(out _))
        {
        }
    }
}
