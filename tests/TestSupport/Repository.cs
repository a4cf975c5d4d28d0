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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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
