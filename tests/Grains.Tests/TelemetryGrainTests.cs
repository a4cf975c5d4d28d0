using System.Collections.Concurrent;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Telemetry;
using CaaS.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace CaaS.Grains.Tests;

/// <summary>
/// IOT-7 on a vehicle grain: every report is served at once, but storage sees only the ones that
/// matter or the write-behind. A cluster of its own counts the writes each grain makes, with the
/// poller off so that nothing but the test reports telemetry.
/// </summary>
public sealed class TelemetryGrainTests(TelemetryGrainTests.CountingCluster fixture) : IClassFixture<TelemetryGrainTests.CountingCluster>
{
    private static readonly VehicleTelemetry Parked = new(OdometerKm: 12_345.6, EnergyPercent: 80, Latitude: 40.4168, Longitude: -3.7038, Locked: true);

    private DateTimeOffset Now => fixture.Time.GetUtcNow();

    [Fact]
    public async Task The_first_report_is_served_and_written()
    {
        var vehicle = Vehicle("WVWZZZ1JZTW000001");
        var contact = Now.AddSeconds(-5);

        await vehicle.RecordTelemetryAsync(Report("WVWZZZ1JZTW000001", contact, Parked));
        var served = await vehicle.GetAsync();
        await fixture.Cluster.DeactivateAsync(vehicle);
        var written = await vehicle.GetAsync();

        Assert.Equal((Parked, contact), (served!.Telemetry, served.LastContact));
        Assert.Equal((Parked, contact), (written!.Telemetry, written.LastContact));
        Assert.Equal(1, fixture.Storage.WritesOf(vehicle));
    }

    [Fact]
    public async Task A_small_change_is_served_at_once_but_not_written()
    {
        const string vin = "WVWZZZ1JZTW000002";
        var vehicle = Vehicle(vin);
        var first = Now.AddMinutes(-2);
        var drifted = Parked with { EnergyPercent = Parked.EnergyPercent - 2, Latitude = Parked.Latitude + 0.0005, OdometerKm = Parked.OdometerKm + 0.3 };
        await vehicle.RecordTelemetryAsync(Report(vin, first, Parked));

        await vehicle.RecordTelemetryAsync(Report(vin, first.AddMinutes(1), drifted));
        var served = await vehicle.GetAsync();
        await fixture.Cluster.DeactivateAsync(vehicle);
        var written = await vehicle.GetAsync();

        Assert.Equal((drifted, first.AddMinutes(1)), (served!.Telemetry, served.LastContact));
        Assert.Equal((Parked, first), (written!.Telemetry, written.LastContact));
        Assert.Equal(1, fixture.Storage.WritesOf(vehicle));
    }

    [Theory]
    [InlineData("locked", "WVWZZZ1JZTW100001")]
    [InlineData("energy", "WVWZZZ1JZTW100002")]
    [InlineData("moved", "WVWZZZ1JZTW100003")]
    [InlineData("odometer", "WVWZZZ1JZTW100004")]
    public async Task A_meaningful_change_is_written_at_once(string change, string vin)
    {
        var vehicle = Vehicle(vin);
        var first = Now.AddMinutes(-2);
        var changed = change switch
        {
            "locked" => Parked with { Locked = false },
            "energy" => Parked with { EnergyPercent = Parked.EnergyPercent - 5 },
            "moved" => Parked with { Latitude = Parked.Latitude + 0.01 },
            _ => Parked with { OdometerKm = Parked.OdometerKm + 1.2 },
        };
        await vehicle.RecordTelemetryAsync(Report(vin, first, Parked));

        await vehicle.RecordTelemetryAsync(Report(vin, first.AddMinutes(1), changed));
        await fixture.Cluster.DeactivateAsync(vehicle);
        var written = await vehicle.GetAsync();

        Assert.Equal((changed, first.AddMinutes(1)), (written!.Telemetry, written.LastContact));
        Assert.Equal(2, fixture.Storage.WritesOf(vehicle));
    }

    [Fact]
    public async Task Unchanged_telemetry_is_written_behind_once_the_interval_has_passed_since_the_last_write()
    {
        const string vin = "WVWZZZ1JZTW000003";
        var vehicle = Vehicle(vin);
        await vehicle.RecordTelemetryAsync(Report(vin, Now, Parked));

        fixture.Time.Advance(TimeSpan.FromMinutes(9));
        await vehicle.RecordTelemetryAsync(Report(vin, Now, Parked));
        var beforeInterval = fixture.Storage.WritesOf(vehicle);
        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        var lastContact = Now;
        await vehicle.RecordTelemetryAsync(Report(vin, lastContact, Parked));
        await fixture.Cluster.DeactivateAsync(vehicle);
        var written = await vehicle.GetAsync();

        Assert.Equal(1, beforeInterval);
        Assert.Equal(2, fixture.Storage.WritesOf(vehicle));
        Assert.Equal(lastContact, written!.LastContact);
    }

    [Fact]
    public async Task A_report_older_than_the_one_held_changes_nothing()
    {
        const string vin = "WVWZZZ1JZTW000004";
        var vehicle = Vehicle(vin);
        var contact = Now.AddMinutes(-1);
        await vehicle.RecordTelemetryAsync(Report(vin, contact, Parked));
        await vehicle.RecordTelemetryAsync(Report(vin, contact.AddSeconds(30), Parked with { EnergyPercent = 79 }));

        await vehicle.RecordTelemetryAsync(Report(vin, contact.AddSeconds(10), Parked with { Locked = false, EnergyPercent = 10 }));
        await vehicle.RecordTelemetryAsync(Report(vin, contact.AddSeconds(30), Parked with { Locked = false }));
        var served = await vehicle.GetAsync();

        Assert.Equal((Parked with { EnergyPercent = 79 }, contact.AddSeconds(30)), (served!.Telemetry, served.LastContact));
        Assert.Equal(1, fixture.Storage.WritesOf(vehicle));
    }

    [Fact]
    public async Task Telemetry_leaves_the_rest_of_the_vehicle_as_it_was()
    {
        const string vin = "WVWZZZ1JZTW000005";
        var vehicle = Vehicle(vin);
        await vehicle.ReportStatusAsync(new VehicleStatusReport(VehicleStatus.Available, Now, new TransitionCause("seeded", "test"), "ID.3", "car"));

        await vehicle.RecordTelemetryAsync(Report(vin, Now, Parked));
        await fixture.Cluster.DeactivateAsync(vehicle);
        var written = await vehicle.GetAsync();

        Assert.Equal(("ID.3", VehicleStatus.Available, Parked), (written!.Model, written.Status, written.Telemetry));
        Assert.Single(written.History);
    }

    private IVehicleGrain Vehicle(string vin) => fixture.Cluster.Client.GetGrain<IVehicleGrain>(vin);

    private static IotVehicleStatus Report(string vin, DateTimeOffset lastContact, VehicleTelemetry telemetry) => new(vin, lastContact, telemetry, []);

    public sealed class CountingCluster : IAsyncLifetime
    {
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));

        public CountingGrainStorage Storage => Cluster.Silos[0].ServiceProvider.GetRequiredService<CountingGrainStorage>();

        public InProcessTestCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var builder = new InProcessTestClusterBuilder(1);
            builder.ConfigureSilo((_, silo) =>
            {
                silo.Services.AddSingleton<TimeProvider>(Time);
                silo.AddCaaSGrains();
                silo.Services.Configure<CaaS.Grains.Analytics.AnalyticsOptions>(analytics => analytics.PseudonymKey = ClusterFixture.PseudonymKey);
                silo.Services.Configure<TelemetryPollerOptions>(poller =>
                {
                    poller.Enabled = false;
                    (poller.EnergyThresholdPoints, poller.DistanceThresholdMeters, poller.OdometerThresholdKm, poller.WriteBehind) = (5, 500, 1, TimeSpan.FromMinutes(10));
                });
                silo.Services.AddSingleton<CountingGrainStorage>();
                silo.Services.AddGrainStorage(StorageNames.Grains, (services, _) => services.GetRequiredService<CountingGrainStorage>());
                silo.UseInMemoryReminderService();
            });
            Cluster = builder.Build();
            await Cluster.DeployAsync();
        }

        public Task DisposeAsync() => CaaS.TestSupport.FakeClock.DriveAsync(Time, Cluster.DisposeAsync().AsTask());
    }

    /// <summary>Grain state in memory, serialised as Orleans would, counting the writes each grain makes.</summary>
    public sealed class CountingGrainStorage(Serializer serializer) : IGrainStorage
    {
        private readonly ConcurrentDictionary<GrainId, byte[]> _states = new();
        private readonly ConcurrentDictionary<GrainId, int> _writes = new();

        public int WritesOf(IAddressable grain) => _writes.GetValueOrDefault(grain.GetGrainId());

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (_states.TryGetValue(grainId, out var bytes))
            {
                grainState.State = serializer.Deserialize<T>(bytes);
                grainState.RecordExists = true;
                grainState.ETag = _writes.GetValueOrDefault(grainId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _states[grainId] = serializer.SerializeToArray(grainState.State);
            grainState.ETag = _writes.AddOrUpdate(grainId, 1, (_, writes) => writes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _states.TryRemove(grainId, out _);
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
    }
}

/// <summary>IOT-7: the poller partitions the silo starts, on the shared cluster where the poller is on by default.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TelemetryPollerGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_silo_starts_every_configured_partition_with_one_watchdog_reminder_a_minute_apart()
    {
        var reminders = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();

        foreach (var partition in Enumerable.Range(0, new TelemetryPollerOptions().Partitions))
        {
            var poller = fixture.Grains.GetGrain<ITelemetryPollerGrain>(partition);
            var atStartup = await reminders.ReadRows(poller.GetGrainId());
            await poller.EnsureRunningAsync();
            var again = await reminders.ReadRows(poller.GetGrainId());

            var watchdog = Assert.Single(atStartup.Reminders);
            Assert.Equal(TimeSpan.FromMinutes(1), watchdog.Period);
            Assert.Equal(watchdog.ReminderName, Assert.Single(again.Reminders).ReminderName);
            Assert.True((await poller.GetStatusAsync()).Polling, $"partition {partition} polls");
        }
    }

    [Fact]
    public async Task A_partition_beyond_the_configured_count_retires_without_a_reminder()
    {
        var reminders = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var beyond = fixture.Grains.GetGrain<ITelemetryPollerGrain>(new TelemetryPollerOptions().Partitions);

        await beyond.EnsureRunningAsync();
        var status = await beyond.GetStatusAsync();

        Assert.Empty((await reminders.ReadRows(beyond.GetGrainId())).Reminders);
        Assert.False(status.Polling);
    }
}
