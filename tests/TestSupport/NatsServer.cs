using System.Diagnostics;
using System.Net.Sockets;

namespace CaaS.TestSupport;

/// <summary>
/// A nats-server with JetStream of a test's own (Debian's package, which ./test.sh installs and names
/// in CAAS_TEST_NATS_SERVER), on a free loopback port with its own store, so the events of one
/// platform never reach another's read models: a database each for state, a server each for events.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private const string BinaryVariable = "CAAS_TEST_NATS_SERVER";

    private readonly Process _process;
    private readonly string _directory;

    private NatsServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public static bool IsAvailable => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(BinaryVariable));

    /// <param name="configuration">The text of a server configuration file (users, permissions), or none.</param>
    public static async Task<NatsServer> StartAsync(string? configuration = null)
    {
        var binary = Environment.GetEnvironmentVariable(BinaryVariable);
        if (string.IsNullOrWhiteSpace(binary))
        {
            throw new InvalidOperationException($"{BinaryVariable} is not set. Run ./test.sh, which installs nats-server and sets it.");
        }

        var directory = Directory.CreateTempSubdirectory("caas-nats-").FullName;
        var port = Repository.FreePort();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "-js", "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", directory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (configuration is not null)
        {
            var file = Path.Combine(directory, "nats.conf");
            await File.WriteAllTextAsync(file, configuration);
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(file);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start nats-server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NatsServer(process, directory, port);
        await Eventually.Until(async () =>
        {
            if (process.HasExited)
            {
                throw new GiveUpException($"nats-server exited with {process.ExitCode}");
            }

            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, $"nats-server on port {port} to listen", TimeSpan.FromSeconds(20));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A store file still closing: the temporary directory is the machine's to clean.
        }
    }
}
