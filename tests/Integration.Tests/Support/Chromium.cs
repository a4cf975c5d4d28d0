using System.Diagnostics;

namespace CaaS.Integration.Tests.Support;

/// <summary>Debian's Chromium, headless: loads a page, lets its scripts and their requests finish, and hands back the DOM.</summary>
public static class Chromium
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    public static async Task<string> DumpDomAsync(string url)
    {
        var binary = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Chromium is not installed; ./test.sh installs Debian's chromium package.");
        var profile = Directory.CreateTempSubdirectory("caas-chromium-");
        try
        {
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // Virtual time runs only while the page has no request pending, so the budget is spent after the GraphQL calls answer.
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", $"--user-data-dir={profile.FullName}",
                "--virtual-time-budget=15000", "--dump-dom", url,
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
            var dom = process.StandardOutput.ReadToEndAsync();
            var log = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(Deadline);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"Chromium did not finish {url} within {Deadline.TotalSeconds:0} s: {await log}");
            }

            return process.ExitCode == 0 ? await dom : throw new InvalidOperationException($"Chromium exited with {process.ExitCode}: {await log}");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
