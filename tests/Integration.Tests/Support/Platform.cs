using System.Net.Http.Headers;
using System.Net.Http.Json;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests.Support;

/// <summary>
/// The whole platform as real processes: the sandbox, one or more silos and the API host, on the
/// embedded default or on a PostgreSQL database. Each platform gets its own ports and cluster id,
/// so platforms of different tests never meet.
/// </summary>
public sealed class Platform : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _environment;

    private Platform(Dictionary<string, string?> environment, HostProcess sandbox)
    {
        _environment = environment;
        Sandbox = sandbox;
    }

    // Above the slowest synchronous answer the contract allows: a purchase waits out VSS's retries (5, 10, 20 s).
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(90) };

    public string ClusterId => _environment["Orleans__ClusterId"]!;

    public HostProcess Sandbox { get; }

    /// <summary>The platform's own event log server: PostgreSQL platforms run on JetStream, as production does (issue 14).</summary>
    public NatsServer? Nats { get; private set; }

    public HostProcess ApiHost { get; private set; } = null!;

    public List<SiloProcess> Silos { get; } = [];

    public static readonly string[] Systems = ["Customer", "Stripe", "Fleet", "Factory", "Iot", "Vss", "Registration", "Notifications"];

    /// <param name="fleetEventsOnJetStream">The sandbox's Fleet Management publishes its events on the platform's JetStream server instead of calling the webhook (FLT-1..3 as Pub/Sub).</param>
    public static async Task<Platform> StartAsync(string? postgresConnectionString = null, int silos = 1, IReadOnlyDictionary<string, string?>? settings = null,
        bool fleetEventsOnJetStream = false)
    {
        if (postgresConnectionString is null && silos != 1)
        {
            throw new ArgumentException("the embedded default runs exactly one silo", nameof(silos));
        }

        var sandboxUrl = $"http://127.0.0.1:{Repository.FreePort()}";
        var apiUrl = $"http://127.0.0.1:{Repository.FreePort()}";
        var environment = new Dictionary<string, string?>
        {
            ["Orleans__ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
            ["ConnectionStrings__Caas"] = postgresConnectionString,
            // Declare a killed silo dead within seconds rather than the production default of a minute or so.
            ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
            ["Orleans__Membership__NumMissedProbesLimit"] = "2",
            ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
            ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
            ["Orleans__Messaging__ResponseTimeout"] = "00:00:10",
            ["Platform__ApiBaseUrl"] = apiUrl,
            // SEC-6: the API host trusts the sandbox as its OpenID Connect issuer, which takes the same setting as its identifier.
            ["Identity__Authority"] = sandboxUrl,
            // A rotated key is fetched on its first token, not five minutes later (IssuerTests' rotation test).
            ["Identity__KeyRefreshInterval"] = "00:00:01",
        };
        foreach (var system in Systems)
        {
            environment[$"Integrations__{system}__BaseUrl"] = sandboxUrl;
        }

        var nats = postgresConnectionString is not null && NatsServer.IsAvailable ? await NatsServer.StartAsync() : null;
        environment["Events__Nats__Url"] = nats?.Url;
        environment["Sandbox__Nats__Url"] = fleetEventsOnJetStream ? nats?.Url ?? throw new InvalidOperationException("fleet events on JetStream need a PostgreSQL platform") : null;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var platform = new Platform(environment, HostProcess.Start("Sandbox", sandboxUrl, environment)) { Nats = nats };
        try
        {
            for (var i = 0; i < silos; i++)
            {
                platform.StartSilo();
            }

            var gatewayPort = platform.Silos[0].GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            platform.ApiHost = HostProcess.Start("ApiHost", apiUrl,
                new Dictionary<string, string?>(environment) { ["Orleans__Endpoints__GatewayPort"] = gatewayPort });

            await platform.Sandbox.WaitUntilReadyAsync(platform.Http);
            foreach (var silo in platform.Silos)
            {
                await silo.Process.WaitUntilReadyAsync(platform.Http);
            }

            await platform.ApiHost.WaitUntilReadyAsync(platform.Http);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <param name="settings">Settings of this silo alone (a fault point armed in one silo only).</param>
    public SiloProcess StartSilo(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var silo = new SiloProcess(Repository.FreePort(), Repository.FreePort(), $"http://127.0.0.1:{Repository.FreePort()}");
        var environment = new Dictionary<string, string?>(_environment)
        {
            ["Orleans__Endpoints__SiloPort"] = silo.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = silo.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        silo.Process = HostProcess.Start("Silo", silo.HttpUrl, environment);
        Silos.Add(silo);
        return silo;
    }

    /// <summary>A token from the sandbox issuer's convenience endpoint, signed with the keys its JWKS publishes.</summary>
    public async Task<string> TokenAsync(string subject, string role, int? expiresInSeconds = null, string? alg = null)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(Sandbox.BaseUrl + "/sandbox/token"),
            new { sub = subject, role, expiresInSeconds, alg });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenAnswer>();
        return token!.AccessToken;
    }

    /// <summary>Posts a webhook signed as the Fleet and the Factory sign them (Standard Webhooks), with any secret and time.</summary>
    /// <param name="withoutLength">Sent chunked, with no Content-Length, as a sender streaming its body does.</param>
    public async Task<HttpResponseMessage> SendStandardWebhookAsync(string path, string body, string id, DateTimeOffset at, string secret, bool withoutLength = false)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiHost.BaseUrl + path)
        {
            Content = withoutLength ? new UnmeasuredContent(body) : new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", "v1," + CaaS.Hosting.StandardWebhooks.Sign(secret, id, timestamp, body));
        return await Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(ApiHost.BaseUrl + path));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        if (ApiHost is not null)
        {
            await ApiHost.DisposeAsync();
        }

        foreach (var silo in Silos)
        {
            await silo.Process.DisposeAsync();
        }

        await Sandbox.DisposeAsync();
        if (Nats is not null)
        {
            await Nats.DisposeAsync();
        }

        Http.Dispose();
    }

    private sealed record TokenAnswer(string AccessToken);

    /// <summary>A body whose length HttpClient cannot know in advance, so it goes chunked.</summary>
    private sealed class UnmeasuredContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnmeasuredContent(string body)
        {
            _bytes = System.Text.Encoding.UTF8.GetBytes(body);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

public sealed record SiloProcess(int SiloPort, int GatewayPort, string HttpUrl)
{
    public HostProcess Process { get; set; } = null!;
}
