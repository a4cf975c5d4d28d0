using System.Net.Http.Json;
using System.Text.Json;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests.Support;

/// <summary>
/// The sandbox as a real process on a free port, shared by the adapter tests; faults and the request
/// log are reset before each test so tests never see each other's traffic.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private HostProcess? _process;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string BaseUrl { get; } = $"http://127.0.0.1:{Repository.FreePort()}";

    public async Task InitializeAsync()
    {
        _process = HostProcess.Start("Sandbox", BaseUrl, new Dictionary<string, string?>());
        await _process.WaitUntilReadyAsync(Http);
    }

    public async Task DisposeAsync()
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
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
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

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "sandbox";
}
