using System.Net;
using System.Net.Sockets;

namespace CaaS.TestSupport;

/// <summary>Where the built hosts are, found from the test assembly so any configuration works.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: whatever the tests themselves were built as.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string HostDll(string project) =>
        Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", $"CaaS.{project}.dll");

    /// <summary>
    /// A loopback port below Linux's ephemeral range (32768 and up): a port the kernel handed out for
    /// port 0 goes back to the pool that outgoing connections draw from, and one of them took it
    /// before the host bound it often enough to fail a clean run. Never the same port twice per process.
    /// </summary>
    public static int FreePort()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(FirstPort, EphemeralStart);
                if (!HandedOut.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // Taken by someone else: try another.
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {FirstPort} and {EphemeralStart}");
    }

    private const int FirstPort = 20_000;

    private const int EphemeralStart = 32_768;

    private static readonly HashSet<int> HandedOut = [];

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CaaS.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("CaaS.sln not found above " + AppContext.BaseDirectory);
    }
}
