using System.Diagnostics;

namespace CaaS.TestSupport;

public static class Signals
{
    /// <summary>SIGTERM, what Ctrl-C's sibling and `docker stop` send: the process may shut down cleanly.</summary>
    public static void Terminate(int processId)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", processId.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        kill?.WaitForExit();
    }
}
