using System.Globalization;

namespace CaaS.TestSupport;

/// <summary>Reads the process tree from /proc, to prove a script left nothing behind.</summary>
public static class ProcessTree
{
    public static IReadOnlyList<int> DescendantsOf(int root)
    {
        var parentOf = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (name) state ppid ...", and the name may contain spaces.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parentOf[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parentOf)
            {
                if (ppid == parent)
                {
                    found.Add(pid);
                    frontier.Enqueue(pid);
                }
            }
        }

        return found;
    }

    public static bool IsAlive(int pid)
    {
        var stat = Path.Combine("/proc", pid.ToString(CultureInfo.InvariantCulture), "stat");
        try
        {
            // A zombie has exited; only its parent's bookkeeping remains.
            return File.Exists(stat) && File.ReadAllText(stat).Split(") ")[1][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
