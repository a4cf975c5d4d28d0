using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Silo;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaaS.Bench;

/// <summary>
/// The machine's own limits, measured first in every run: each scenario's goal is a multiple of one
/// of these, so a slower or busier machine moves the goal with the figure.
/// </summary>
public static class Baselines
{
    public const string Pg = "B_pg";
    public const string Write = "B_write";
    public const string Ping = "B_ping";

    /// <summary>The API host's bare liveness endpoint under reservation-read's load: measured inside that scenario, just before it.</summary>
    public const string Health = "B_health";

    private const int PgClients = 32;
    private const int PgRows = 100_000;
    private const int WriteGrains = 32;
    private const int PingWorkers = 100;

    /// <summary>B_pg: one-row UPDATE transactions with commits on, 32 clients, as pgbench's simple update but through Npgsql like the product.</summary>
    public static async Task<BaselineResult> PostgresAsync(BenchSettings settings)
    {
        await using var database = await PostgresDatabase.CreateAsync(migrate: false, server: settings.PostgresServer);
        await using (var setup = new NpgsqlConnection(database.ConnectionString))
        {
            await setup.OpenAsync();
            foreach (var sql in new[]
                     {
                         "CREATE TABLE bench_accounts (id integer PRIMARY KEY, balance bigint NOT NULL DEFAULT 0)",
                         $"INSERT INTO bench_accounts (id) SELECT generate_series(1, {PgRows})",
                         // Alone: VACUUM refuses to run inside the implicit transaction of a batch.
                         "VACUUM ANALYZE bench_accounts",
                     })
            {
                await using var create = new NpgsqlCommand(sql, setup);
                await create.ExecuteNonQueryAsync();
            }
        }

        string durability;
        await using (var settingsConnection = new NpgsqlConnection(database.ConnectionString))
        {
            await settingsConnection.OpenAsync();
            await using var show = new NpgsqlCommand("SELECT current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit')", settingsConnection);
            durability = "fsync " + (string)(await show.ExecuteScalarAsync())!;
        }

        var connections = new NpgsqlConnection[PgClients];
        var commands = new NpgsqlCommand[PgClients];
        for (var i = 0; i < PgClients; i++)
        {
            connections[i] = new NpgsqlConnection(database.ConnectionString);
            await connections[i].OpenAsync();
            commands[i] = new NpgsqlCommand("UPDATE bench_accounts SET balance = balance + 1 WHERE id = $1", connections[i]);
            commands[i].Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
            await commands[i].PrepareAsync();
        }

        try
        {
            var measurement = await Load.ClosedAsync(PgClients, settings.Duration, async (client, _) =>
            {
                ((NpgsqlParameter<int>)commands[client].Parameters[0]).TypedValue = Random.Shared.Next(1, PgRows + 1);
                await commands[client].ExecuteNonQueryAsync();
            });
            return Result(Pg, $"one-row UPDATE transactions (autocommit; server: {durability}), {PgClients} clients over {PgRows:N0} rows, Npgsql prepared statements",
                measurement, "tx/s");
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// B_write: Orleans' ADO.NET provider writing grain state, 32 grains at once, each write awaited
    /// before the next. The silo runs in this process with the product's storage configuration
    /// (<see cref="SiloConfiguration.AddCaaSGrainStorage"/>), schema and serializer, on a fresh database.
    /// </summary>
    public static async Task<BaselineResult> GrainWritesAsync(BenchSettings settings)
    {
        await using var database = await PostgresDatabase.CreateAsync(server: settings.PostgresServer);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // This silo shares the runner's process: its watchdog would report the load generator's pauses, not a fault.
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(Repository.FreePort(), Repository.FreePort(), serviceId: "caas-bench", clusterId: "bench-write-" + Guid.NewGuid().ToString("N")[..8]);
            silo.AddCaaSGrainStorage(StorageNames.Grains, database.ConnectionString);
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            // The first write of each grain inserts its row; only updates are the steady state.
            await Task.WhenAll(Enumerable.Range(0, WriteGrains).Select(i => grains.GetGrain<IWriteBaselineGrain>(i).WriteAsync()));
            var measurement = await Load.ClosedAsync(WriteGrains, settings.Duration, (grain, _) => grains.GetGrain<IWriteBaselineGrain>(grain).WriteAsync());
            return Result(Write, $"Orleans ADO.NET WriteStateAsync (PostgreSQL, Orleans binary format), {WriteGrains} grains each writing again once its write is done; state: a vehicle with history, timeslots and telemetry",
                measurement, "writes/s");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>B_ping: a trivial grain call (the health probe, a stateless worker) from an external client, 100 workers.</summary>
    public static async Task<BaselineResult> PingAsync(BenchSettings settings, BenchPlatform platform)
    {
        var probe = platform.Grains.GetGrain<IHealthProbeGrain>(0);
        var (measurement, _) = await platform.MeasureClosedAsync(PingWorkers, settings, _ => probe.PingAsync());
        return Result(Ping, $"trivial grain calls (IHealthProbeGrain.PingAsync) from an external Orleans client through the silo's gateway, {PingWorkers} workers", measurement, "calls/s");
    }

    private static BaselineResult Result(string name, string description, Measurement measurement, string unit)
    {
        Console.WriteLine($"  {name}: {Goals.Number(measurement.PerSecond)} {unit} (p99 {Goals.Number(measurement.Latency.P99Ms)} ms, {measurement.Errors} errors)");
        return new BaselineResult(name, description, measurement.PerSecond, unit, measurement.Latency, measurement.Operations, measurement.Errors);
    }
}

public interface IWriteBaselineGrain : IGrainWithIntegerKey
{
    Task WriteAsync();
}

/// <summary>Writes a vehicle-sized state on every call, so B_write prices the writes the platform's grains make.</summary>
public sealed class WriteBaselineGrain(
    [PersistentState("write-baseline", StorageNames.Grains)] IPersistentState<VehicleState> state) : Grain, IWriteBaselineGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var s = state.State;
        s.Vin = $"WVWZZZ1KZ{this.GetPrimaryKeyLong():D8}";
        (s.Model, s.Category, s.Status, s.StatusReportedAt) = ("ID.4", "car", VehicleStatus.Available, now);
        foreach (var (from, to) in new[] { ("Unknown", "Available"), ("Available", "InUse"), ("InUse", "Available") })
        {
            TransitionHistory.Append(s.History, TransitionHistory.Record(now, from, to, new TransitionCause($"fleet event evt_{from}{to}", "fleet")));
        }

        s.Timeslots.Add(new Timeslot("res-0123456789abcdef0123456789abcdef", now.AddDays(1), now.AddDays(1).AddHours(3), TimeslotKind.Reservation));
        s.Timeslots.Add(new Timeslot("res-fedcba9876543210fedcba9876543210", now.AddDays(3), now.AddDays(3).AddHours(2), TimeslotKind.Reservation));
        (s.Telemetry, s.LastContact, s.TelemetryWrittenAt) = (new VehicleTelemetry(12_345.6, 80, 40.41234, -3.70123, true), now, now);
        return Task.CompletedTask;
    }

    public Task WriteAsync()
    {
        var s = state.State;
        s.Telemetry = s.Telemetry! with { OdometerKm = s.Telemetry.OdometerKm + 0.1 };
        s.LastContact = DateTimeOffset.UtcNow;
        return state.WriteStateAsync();
    }
}
