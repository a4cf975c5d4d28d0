using System.Diagnostics;

namespace CaaS.TestSupport;

public static class Signals
{
    /// <summary>SIGTERM, what Ctrl-C's sibling and `docker stop` send: the process may shut down cleanly.</summary>
    public static void Terminate(int processId) => Send("-TERM", processId);

    /// <summary>SIGSTOP: the process freezes with its sockets open, as a machine that hangs does; nothing it was asked will be answered.</summary>
    public static void Freeze(int processId) => Send("-STOP", processId);

    private static void Send(string signal, int processId)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        kill?.WaitForExit();
    }
}
