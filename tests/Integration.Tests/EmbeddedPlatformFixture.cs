using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaaS.Integration.Tests;

/// <summary>The platform as ./run.sh starts it: one silo on the embedded default, no database.</summary>
public class EmbeddedPlatformFixture : IAsyncLifetime
{
    private IHost? _client;

    public Platform Platform { get; private set; } = null!;

    public string ExportDirectory { get; } = Path.Combine(Path.GetTempPath(), "caas-exports-" + Guid.NewGuid().ToString("N")[..8]);

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Analytics__ExportDirectory"] = ExportDirectory,
        // Vehicles beyond the twenty the journeys take, for tests that change a vehicle's fleet status.
        ["Sandbox__FleetSize"] = "24",
        // WH-6 for the fleet: a status whose webhook was lost reaches the vehicle at the list's next refresh.
        ["Fleet__ListFreshness"] = "00:00:01",
        // ANA-2: the event stream's keep-alive comment, sooner than its 15 s so a test sees it.
        ["Analytics__EventStreamHeartbeat"] = "00:00:02",
        // MOB-7: every return asks API IoT at once, so a car's telemetry a test just set is what judges it,
        // whenever the poller last came by (RentalRulesTests cover the report held being fresh enough).
        ["Rentals__ReturnTelemetryStaleAfter"] = "00:00:00",
    };

    public IClusterClient Grains => _client!.Services.GetRequiredService<IClusterClient>();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ExportDirectory);
        Platform = await Platform.StartAsync(settings: Settings);
        _client = await ClusterClients.ConnectEmbeddedAsync(Platform.ClusterId, Platform.Silos[0].GatewayPort);
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        await Platform.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class EmbeddedPlatformCollection : ICollectionFixture<EmbeddedPlatformFixture>
{
    public const string Name = "embedded platform";
}
