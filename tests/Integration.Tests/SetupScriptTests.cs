using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>The README's commands and the production compose file, exercised as a user would.</summary>
public sealed class SetupScriptTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_script_starts_all_three_hosts_and_SIGTERM_leaves_no_process_behind()
    {
        var api = $"http://127.0.0.1:{Repository.FreePort()}";
        var sandbox = $"http://127.0.0.1:{Repository.FreePort()}";
        var start = new ProcessStartInfo(Path.Combine(Repository.Root, "run.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["CAAS_SKIP_BUILD"] = "1",
                ["CAAS_CONFIGURATION"] = Repository.Configuration,
                ["CAAS_API_URL"] = api,
                ["CAAS_SILO_URL"] = $"http://127.0.0.1:{Repository.FreePort()}",
                ["CAAS_SANDBOX_URL"] = sandbox,
                ["Orleans__Endpoints__SiloPort"] = Repository.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans__Endpoints__GatewayPort"] = Repository.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans__ClusterId"] = "run-script-" + Guid.NewGuid().ToString("N")[..6],
            },
        };
        start.Environment.Remove("ConnectionStrings__Caas");
        var lines = new ConcurrentQueue<string>();
        using var script = Process.Start(start)!;
        script.OutputDataReceived += (_, line) => { if (line.Data is not null) { lines.Enqueue(line.Data); } };
        script.ErrorDataReceived += (_, line) => { if (line.Data is not null) { lines.Enqueue(line.Data); } };
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        try
        {
            await Eventually.Until(() => Task.FromResult(lines.Any(line => line.Contains("is ready", StringComparison.Ordinal)) || script.HasExited),
                "run.sh to report the platform ready");
            Assert.False(script.HasExited, string.Join('\n', lines));
            Assert.Contains(lines, line => line.Contains(api, StringComparison.Ordinal));
            using var http = new HttpClient();
            using var ready = await http.GetAsync(new Uri(api + "/health/ready"));
            Assert.True(ready.IsSuccessStatusCode);
            // The README's first request: the API trusts the issuer at the sandbox's address, whatever port run.sh gave it (SEC-6).
            using var issued = await http.PostAsJsonAsync(new Uri(sandbox + "/sandbox/token"), new { sub = "cust-1", role = "customer" });
            var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            using var vehicle = new HttpRequestMessage(HttpMethod.Get, new Uri(api + "/api/vehicles/WVWZZZ1JZXW000001"));
            vehicle.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var unknownVin = await http.SendAsync(vehicle);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, unknownVin.StatusCode);
            var hosts = ProcessTree.DescendantsOf(script.Id);
            Assert.True(hosts.Count >= 3, $"expected the three hosts under run.sh, found {hosts.Count}");

            Signals.Terminate(script.Id);
            await Eventually.Until(() => Task.FromResult(script.HasExited), "run.sh to exit after SIGTERM", TimeSpan.FromSeconds(30));

            Assert.DoesNotContain(hosts, ProcessTree.IsAlive);
        }
        finally
        {
            output.WriteLine(string.Join('\n', lines));
            if (!script.HasExited)
            {
                script.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Compose_file_is_valid_and_describes_the_production_shape()
    {
        var valid = await ComposeAsync(["config", "-q"], secrets: true);
        var services = await ComposeAsync(["config", "--services"], secrets: true);
        var withoutSecrets = await ComposeAsync(["config", "-q"], secrets: false);

        Assert.True(valid.ExitCode == 0, valid.Output);
        Assert.Equal(new[] { "api", "migrate", "nats", "postgres", "silo1", "silo2" }, Lines(services.Output).Order());
        Assert.NotEqual(0, withoutSecrets.ExitCode);
    }

    [Fact]
    public async Task Compose_production_shape_reaches_every_integration_over_https_and_the_sandbox_overlay_adds_the_sandbox()
    {
        var production = await ComposeAsync(["config"], secrets: true);
        var overlay = await ComposeAsync(["config"], secrets: true, "docker-compose.sandbox.yml");
        var overlayServices = await ComposeAsync(["config", "--services"], secrets: true, "docker-compose.sandbox.yml");

        Assert.True(production.ExitCode == 0, production.Output);
        var urls = Lines(production.Output).Where(line => line.StartsWith("Integrations__", StringComparison.Ordinal) && line.Contains("__BaseUrl:", StringComparison.Ordinal)).ToList();
        // Eight systems, each named by both silos.
        Assert.Equal(16, urls.Count);
        Assert.All(urls, line => Assert.StartsWith("https://", line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparison.Ordinal));
        Assert.True(overlay.ExitCode == 0, overlay.Output);
        Assert.Contains("sandbox", Lines(overlayServices.Output));
        Assert.Contains(Lines(overlay.Output), line => line == "Integrations__Factory__BaseUrl: http://sandbox:5090");
    }

    [Fact]
    public async Task Compose_production_shape_runs_Orleans_over_TLS_with_certificates_from_mounted_secrets()
    {
        var production = await ComposeAsync(["config"], secrets: true);

        Assert.True(production.ExitCode == 0, production.Output);
        var lines = Lines(production.Output);
        // Both silos and the API host, each with its certificate, password and CA: a host without them would refuse to start.
        Assert.Equal(3, lines.Count(line => line == "Orleans__Tls__CertificatePath: /run/secrets/orleans-tls-certificate"));
        Assert.Equal(3, lines.Count(line => line == "Orleans__Tls__CaPath: /run/secrets/orleans-tls-ca"));
        Assert.Equal(3, lines.Count(line => line == "Orleans__Tls__CertificatePassword: test-caas_orleans_tls_certificate_password"));
        Assert.Equal(3, lines.Count(line => line == "- source: orleans-tls-certificate"));
        Assert.Contains(lines, line => line.StartsWith("file: ", StringComparison.Ordinal) && line.EndsWith("test-caas_orleans_tls_certificate", StringComparison.Ordinal));
    }

    /// <summary>SEC-5: every secret the production shape takes from the environment, none from config/local.json.</summary>
    private static readonly string[] ComposeSecrets =
    [
        "CAAS_DB_PASSWORD", "CAAS_NATS_PASSWORD", "FORECASTER_NATS_PASSWORD", "CAAS_IDENTITY_AUTHORITY", "CAAS_CUSTOMER_API_KEY", "CAAS_STRIPE_SECRET_KEY", "CAAS_FLEET_API_KEY", "CAAS_FACTORY_API_KEY",
        "CAAS_IOT_PRE_SHARED_KEY", "CAAS_VSS_CLIENT_ID", "CAAS_VSS_CLIENT_SECRET", "CAAS_REGISTRATION_API_KEY", "CAAS_NOTIFICATIONS_API_KEY",
        "CAAS_STRIPE_WEBHOOK_SECRET", "CAAS_FLEET_WEBHOOK_SECRET", "CAAS_FACTORY_WEBHOOK_SECRET", "CAAS_ANALYTICS_PSEUDONYM_KEY",
        "CAAS_ORLEANS_TLS_CERTIFICATE", "CAAS_ORLEANS_TLS_CERTIFICATE_PASSWORD", "CAAS_ORLEANS_TLS_CA",
    ];

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<(int ExitCode, string Output)> ComposeAsync(string[] arguments, bool secrets, params string[] overlays)
    {
        var start = new ProcessStartInfo("docker-compose")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add("docker-compose.yml");
        foreach (var overlay in overlays)
        {
            start.ArgumentList.Add("-f");
            start.ArgumentList.Add(overlay);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var secret in ComposeSecrets)
        {
            start.Environment.Remove(secret);
            if (secrets)
            {
                start.Environment[secret] = "test-" + secret.ToLowerInvariant();
            }
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("docker-compose is not installed; ./test.sh installs Debian's package.");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
