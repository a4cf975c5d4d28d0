using CaaS.Grains.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Storage;
using Orleans.TestingHost;

namespace CaaS.Grains.Tests;

/// <summary>
/// One in-process cluster for the grain tests, wired by the same AddCaaSGrains the silo uses, with
/// state in memory and a clock the tests move.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public string ExportDirectory { get; } = Path.Combine(Path.GetTempPath(), "caas-grain-exports-" + Guid.NewGuid().ToString("N")[..8]);

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>The grains' storage, which records what every call read and wrote.</summary>
    public CountingGrainStorage Storage { get; } = new();

    /// <summary>The silo refuses to start without a pseudonym key (SEC-7); test clusters read no configuration file.</summary>
    public const string PseudonymKey = "grains-tests-pseudonym-key-0123456789abcdef";

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<TimeProvider>(Time);
            silo.AddCaaSGrains();
            silo.Services.Configure<CaaS.Grains.Analytics.AnalyticsOptions>(analytics => (analytics.ExportDirectory, analytics.PseudonymKey) = (ExportDirectory, PseudonymKey));
            silo.AddMemoryGrainStorage(StorageNames.Grains);
            // Registered after the memory storage, so the grains get it wrapped.
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Grains, (services, name) => Storage.Wrap(MemoryGrainStorageFactory.Create(services, (string)name!)));
            silo.UseInMemoryReminderService();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public Task DisposeAsync() => CaaS.TestSupport.FakeClock.DriveAsync(Time, Cluster.DisposeAsync().AsTask());
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
