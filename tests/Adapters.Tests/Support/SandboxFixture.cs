using System.Net.Http.Json;
using System.Text.Json;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests.Support;

/// <summary>
/// The sandbox as a real process on a free port, shared by the adapter tests; faults and the request
/// log are reset before each test so tests never see each other's traffic.
/// </summary>
public class SandboxFixture : IAsyncLifetime
{
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private HostProcess? _process;

    public SandboxFixture()
        : this(new Dictionary<string, string?>())
    {
    }

    protected SandboxFixture(IReadOnlyDictionary<string, string?> environment) => _environment = environment;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string BaseUrl { get; } = $"http://127.0.0.1:{Repository.FreePort()}";

    public async Task InitializeAsync()
    {
        _process = HostProcess.Start("Sandbox", BaseUrl, _environment);
        await _process.WaitUntilReadyAsync(Http);
    }

    public virtual async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Http.Dispose();
    }

    public async Task ResetAsync()
    {
        (await Http.DeleteAsync(new Uri(BaseUrl + "/sandbox/faults"))).EnsureSuccessStatusCode();
        (await Http.DeleteAsync(new Uri(BaseUrl + "/sandbox/requests"))).EnsureSuccessStatusCode();
        using var behavior = await Http.PostAsJsonAsync(new Uri(BaseUrl + "/sandbox/iot/behavior"), new { outcome = "complete", delayMs = 1000 });
        behavior.EnsureSuccessStatusCode();
    }

    public async Task FaultAsync(string system, string mode, int? latencyMs = null, double? failRate = null, string? vin = null, string? customerId = null)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(BaseUrl + "/sandbox/faults"),
            new { system, mode, latencyMs, failRate, vin, customerId });
        response.EnsureSuccessStatusCode();
    }

    public async Task<IReadOnlyList<SandboxRequest>> RequestsAsync(string system)
    {
        var requests = await Http.GetFromJsonAsync<List<SandboxRequest>>(new Uri($"{BaseUrl}/sandbox/requests?system={system}"), JsonOptions);
        return requests ?? [];
    }

    public Task<IReadOnlyList<SandboxRequest>> RequestsUntilAsync(string system, int count) =>
        Eventually.Until(() => RequestsAsync(system), requests => requests.Count >= count, $"{count} {system} requests at the sandbox");

    public async Task<IReadOnlyList<SandboxVehicle>> FleetAsync() =>
        await Http.GetFromJsonAsync<List<SandboxVehicle>>(new Uri(BaseUrl + "/sandbox/fleet/vehicles"), JsonOptions) ?? [];

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(BaseUrl + path), body);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string path) =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri(BaseUrl + path));

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

public sealed record SandboxRequest(string System, string Method, string Path, DateTimeOffset ReceivedAt, int Status, Dictionary<string, string?>? Headers)
{
    public string? Header(string name) => Headers?.GetValueOrDefault(name);
}

public sealed record SandboxVehicle(string VehicleId, string Vin, string Model, string Category, bool MaintenanceOverdue);

/// <summary>A sandbox whose webhooks and events go to a recording receiver in the test.</summary>
public sealed class WebhookSandboxFixture : SandboxFixture
{
    public WebhookSandboxFixture()
        : this(new WebhookReceiver())
    {
    }

    private WebhookSandboxFixture(WebhookReceiver receiver)
        : base(new Dictionary<string, string?>
        {
            ["Platform__ApiBaseUrl"] = receiver.BaseUrl,
            ["Sandbox__Vss__TokenLifetimeSeconds"] = TokenLifetimeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }) => Receiver = receiver;

    /// <summary>Short, so that a test can watch a VSS token expire.</summary>
    public const int TokenLifetimeSeconds = 2;

    public WebhookReceiver Receiver { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Receiver.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "sandbox";
}

/// <summary>A sandbox whose Factory also listens on https and requires a client certificate from its private CA (FAC-6).</summary>
public sealed class FactoryTlsSandboxFixture : SandboxFixture
{
    public FactoryTlsSandboxFixture()
        : this(new FactoryTlsMaterial())
    {
    }

    private FactoryTlsSandboxFixture(FactoryTlsMaterial tls)
        : base(tls.SandboxSettings) => Tls = tls;

    public FactoryTlsMaterial Tls { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Tls.Dispose();
    }
}
