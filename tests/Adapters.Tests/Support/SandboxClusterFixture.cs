using CaaS.Grains;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Integration;
using CaaS.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace CaaS.Adapters.Tests.Support;

/// <summary>
/// An in-process cluster wired as the silo is (AddCaaSGrains), its adapters pointed at the sandbox
/// process, state in memory and a clock the tests move.
/// </summary>
public class SandboxClusterFixture : IAsyncLifetime
{
    private readonly Func<SandboxFixture, IDictionary<string, string?>> _settings;

    public SandboxClusterFixture()
        : this(new SandboxFixture(), _ => new Dictionary<string, string?>())
    {
    }

    /// <param name="settings">The silo's settings beyond the sandbox's address, read once the sandbox runs.</param>
    protected SandboxClusterFixture(SandboxFixture sandbox, Func<SandboxFixture, IDictionary<string, string?>> settings)
    {
        Sandbox = sandbox;
        _settings = settings;
    }

    public SandboxFixture Sandbox { get; }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public T SiloService<T>() where T : notnull => Cluster.GetSiloServiceProvider().GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        await Sandbox.InitializeAsync();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) =>
        {
            // SEC-5: a local run, like the sandbox it talks to; the silo's settings come from config/local.json.
            host.Environment.EnvironmentName = Environments.Development;
            host.AddCaaSLocalDefaults();
            host.Configuration.AddInMemoryCollection(CaaS.Grains.Abstractions.Integration.ExternalSystem.All
                .ToDictionary(system => IntegrationOptions.SectionFor(system) + ":BaseUrl", string? (_) => Sandbox.BaseUrl));
            // The adapter tests count IoT requests and breaker failures to the unit: no status polls among them.
            host.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Iot:Poller:Enabled"] = "false" });
            host.Configuration.AddInMemoryCollection(_settings(Sandbox));
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<TimeProvider>(Time);
            silo.AddCaaSGrains();
            // As the silo and the API host are: a grain call carries its caller's trace (OBS-2).
            silo.AddActivityPropagation();
            silo.AddMemoryGrainStorage(StorageNames.Grains);
            silo.UseInMemoryReminderService();
        });
        builder.ConfigureClient(client => client.AddActivityPropagation());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await CaaS.TestSupport.FakeClock.DriveAsync(Time, Cluster.DisposeAsync().AsTask());
        await Sandbox.DisposeAsync();
    }

    /// <summary>Moves the silo's clock in small steps until the call ends (retries and timeouts in fake time).</summary>
    public async Task<T> DriveAsync<T>(Task<T> call)
    {
        for (var steps = 0; !call.IsCompleted && steps < 2_000; steps++)
        {
            await Task.Delay(5);
            Time.Advance(TimeSpan.FromMilliseconds(250));
        }

        return await call;
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxClusterCollection : ICollectionFixture<SandboxClusterFixture>
{
    public const string Name = "sandbox cluster";
}

/// <summary>
/// A cluster and sandbox of their own for tests that move the clock by days (PAY-10's holds): on the
/// shared one, every later test would sign its API IoT requests with a time the sandbox refuses.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MovedClockCollection : ICollectionFixture<SandboxClusterFixture>
{
    public const string Name = "sandbox cluster, clock moved by days";
}
