using System.Diagnostics;
using System.Globalization;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Telemetry;

namespace CaaS.Bench.Scenarios;

/// <summary>
/// IOT-7 with a fleet of the goals' size: the grain-update path on its own (what the poller hands
/// the vehicle grains, driven from a client at full speed), the memory the active fleet takes, and the
/// poller itself polling the sandbox's fleet on the product's cadence.
/// </summary>
public static class FleetScenarios
{
    private const string VehicleState = "vehicle";
    private const int UpdateWorkers = 100;
    private const int SeedConcurrency = 100;

    /// <summary>One vehicle in a hundred is driving: it has moved past the write threshold by every report.</summary>
    private const int DrivingEvery = 100;

    private static readonly DateTimeOffset Origin = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string VinOf(long vehicle) => $"WVWZZZ1KZ{vehicle:D8}";

    /// <summary>
    /// What API IoT reports for a vehicle on a given round, one minute apart as the poller would see
    /// them. A parked vehicle reports the same telemetry with a newer contact; a driving one has moved
    /// about 670 m, past the 500 m at which the grain writes at once.
    /// </summary>
    public static IotVehicleStatus StatusOf(long vehicle, long round)
    {
        var driving = vehicle % DrivingEvery == 0 ? round : 0;
        var telemetry = new VehicleTelemetry(
            OdometerKm: 1_000 + (vehicle % 80_000) + (driving * 0.7),
            EnergyPercent: 20 + (int)(vehicle % 81),
            Latitude: 40.38 + (vehicle % 600 / 10_000.0) + (driving * 0.006),
            Longitude: -3.75 + (vehicle % 900 / 10_000.0),
            Locked: driving == 0);
        return new IotVehicleStatus(VinOf(vehicle), Origin.AddMinutes(round), telemetry, []);
    }

    /// <summary>telemetry-update and memory, on a platform whose poller is off: the runner is the only source of reports.</summary>
    public static async Task RunUpdatePathAsync(BenchSettings settings, Report report, BenchPlatform platform)
    {
        var fleet = settings.Fleet;
        var idleWorkingSet = platform.SiloWorkingSetBytes();
        Console.WriteLine($"  {Scenario.TelemetryUpdate}: seeding {fleet:N0} vehicles (a fleet status and a first telemetry report each)...");
        var clock = Stopwatch.StartNew();
        await Load.ForEachAsync(fleet, SeedConcurrency, async vehicle =>
        {
            var grain = platform.Grains.GetGrain<IVehicleGrain>(VinOf(vehicle));
            await grain.ReportStatusAsync(new VehicleStatusReport(VehicleStatus.Available, Origin, new TransitionCause($"fleet event evt_seed_{vehicle}", "fleet"),
                vehicle % 6 < 4 ? "ID.4" : "ID. Buzz Cargo", vehicle % 6 < 4 ? "car" : "van"));
            await grain.RecordTelemetryAsync(StatusOf(vehicle, 0));
        });
        var seeding = clock.Elapsed;

        var writesBefore = await platform.StateWritesAsync(VehicleState);
        long next = fleet - 1;
        Task Update(long _)
        {
            var index = Interlocked.Increment(ref next);
            return platform.Grains.GetGrain<IVehicleGrain>(VinOf(index % fleet)).RecordTelemetryAsync(StatusOf(index % fleet, index / fleet));
        }

        Console.WriteLine($"  {Scenario.TelemetryUpdate}: {UpdateWorkers} workers...");
        await Load.ClosedAsync(UpdateWorkers, settings.Warmup, Update);
        var writesAtStart = await platform.StateWritesAsync(VehicleState);
        var (measurement, cpu) = await platform.WithCpuAsync(() => Load.ClosedAsync(UpdateWorkers, settings.Duration, Update));
        var writes = await platform.StateWritesAsync(VehicleState) - writesAtStart;
        var writesPerSecond = writes / measurement.Elapsed.TotalSeconds;

        if (settings.Runs(Scenario.TelemetryUpdate))
        {
            var result = ScenarioResult.From(Scenario.TelemetryUpdate,
                $"`IVehicleGrain.RecordTelemetryAsync` from an Orleans client, {UpdateWorkers} workers, round-robin over {fleet:N0} vehicle grains, each report a minute newer " +
                $"than the vehicle's last: {100 - (100 / DrivingEvery)}% parked (same telemetry, newer contact), {100 / DrivingEvery}% driving (≈670 m further each report, over the 500 m write threshold). " +
                "The poller is off; this is the path its results take into the grains. Writes are counted in PostgreSQL (the versions of the vehicle rows).",
                "updates/s", measurement);
            result.Goals.Add(Goals.AtLeast(measurement.PerSecond, 0.3, report.Baseline(Baselines.Ping), "updates/s"));
            result.Goals.Add(Goals.AtMost(writesPerSecond, 0.25, report.Baseline(Baselines.Write), "writes/s"));
            result.Details.Add($"CPU per update, ms: {cpu}");
            result.Details.Add($"persisted writes while measured: {writes:N0} ({Goals.Number(writesPerSecond)}/s, {Goals.Number(100.0 * writes / Math.Max(1, measurement.Operations))}% of updates)");
            result.Details.Add($"seeding before: {fleet:N0} vehicles × (fleet status + first telemetry report, two writes) in {seeding.TotalSeconds:0.0} s " +
                $"({Goals.Number(fleet / seeding.TotalSeconds)} vehicles/s); {writesBefore:N0} vehicle writes in all");
            report.Scenarios.Add(result);
        }

        if (settings.Runs(Scenario.Memory))
        {
            report.Scenarios.Add(await MemoryAsync(platform, fleet, idleWorkingSet,
                $"The silo's working set (VmRSS) with the {fleet:N0} vehicle grains of telemetry-update active: each holds a fleet status with its history entry, " +
                "model, category, written telemetry and the latest report in memory. PostgreSQL, sandbox, API host and runner are other processes."));
        }
    }

    /// <summary>telemetry-poller: the product's poller on the sandbox's fleet of the same size, on the product's cadence.</summary>
    public static async Task<ScenarioResult> RunPollerAsync(BenchSettings settings, BenchPlatform platform)
    {
        var ready = DateTimeOffset.UtcNow;
        var interval = settings.PollInterval;
        var partitions = new Grains.Telemetry.TelemetryPollerOptions().Partitions;
        // The first round activates and writes every vehicle, so at 250,000 it is bound by PostgreSQL
        // and outlasts its interval: the steady state measured is the interval after every partition
        // has finished its first round; the cap only stops a poller that never gets there.
        var window = Max(settings.Duration, 6 * interval);
        DateTimeOffset? steadyEnds = null;
        Console.WriteLine($"  {Scenario.TelemetryPoller}: polling {settings.Fleet:N0} vehicles every {interval.TotalSeconds:0} s, until every partition finished its first round and one interval more (at most {window.TotalSeconds:0} s)...");
        var pollers = Enumerable.Range(0, partitions).Select(partition => platform.Grains.GetGrain<ITelemetryPollerGrain>(partition)).ToArray();
        var due = new DateTimeOffset?[partitions];
        var startedRound = new DateTimeOffset?[partitions];
        var lateness = new List<double>();
        var roundDurations = new List<double>();
        var stallsBefore = platform.StallWarnings;
        var cpu = await platform.CpuAsync();
        (double Calls, long Writes, DateTimeOffset At, CpuMeter.Snapshot Cpu)? steady = null;
        (double Calls, DateTimeOffset At)? lastSample = null;
        var busiestSecond = 0.0;
        while (DateTimeOffset.UtcNow - ready < window && (steadyEnds is null || DateTimeOffset.UtcNow < steadyEnds))
        {
            var statuses = await Task.WhenAll(pollers.Select(poller => poller.GetStatusAsync()));
            var now = DateTimeOffset.UtcNow;
            foreach (var status in statuses)
            {
                var p = status.Partition;
                if (status.LastRoundStartedAt is { } roundStart && roundStart != startedRound[p])
                {
                    // A round started since the last look: it was due when the previous look said next.
                    if (due[p] is { } scheduled)
                    {
                        lateness.Add(Math.Max(0, (roundStart - scheduled).TotalMilliseconds));
                    }

                    startedRound[p] = roundStart;
                }

                if (due[p] is { } previous && status.NextRoundAt is { } nextRound && nextRound != previous && startedRound[p] is { } last)
                {
                    // The next round is scheduled once the last one finished.
                    roundDurations.Add((now - last).TotalSeconds);
                }

                due[p] = status.NextRoundAt;
            }

            if (steady is null && statuses.All(status => status.RoundsCompleted >= 1))
            {
                steadyEnds = now + interval;
                steady = (IotCalls(await platform.SiloMetricsAsync()), await platform.StateWritesAsync(VehicleState), now, cpu.Take());
                lastSample = (steady.Value.Calls, now);
            }
            else if (lastSample is { } sample && now - sample.At >= TimeSpan.FromSeconds(1))
            {
                // Issue 18 point 5: the busiest second of the steady interval, against the fleet's even rate.
                var calls = IotCalls(await platform.SiloMetricsAsync());
                busiestSecond = Math.Max(busiestSecond, (calls - sample.Calls) / (now - sample.At).TotalSeconds);
                lastSample = (calls, now);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        var metrics = await platform.SiloMetricsAsync();
        var end = (Calls: IotCalls(metrics), Writes: await platform.StateWritesAsync(VehicleState), At: DateTimeOffset.UtcNow, Cpu: cpu.Take());
        var start = steady ?? end;
        var seconds = Math.Max(0.001, (end.At - start.At).TotalSeconds);
        var callsPerSecond = (end.Calls - start.Calls) / seconds;
        var expected = settings.Fleet / interval.TotalSeconds;
        var measurement = new Measurement((long)(end.Calls - start.Calls), (long)Prometheus.Sum(metrics, "iot_poll_vehicles_total", "outcome=\"failed\""),
            TimeSpan.FromSeconds(seconds), [.. lateness], null);

        var result = ScenarioResult.From(Scenario.TelemetryPoller,
            $"The product's IoT status poller (Iot:Poller defaults: {partitions} partitions, 16 requests in flight each, paced over 75% of the interval) polling the sandbox's fleet of {settings.Fleet:N0} vehicles " +
            $"(`Sandbox__FleetSize`) every {interval.TotalSeconds:0} s through the IoT adapter (HMAC-signed HTTP), feeding the vehicle grains; followed {(DateTimeOffset.UtcNow - ready).TotalSeconds:0} s once the platform was ready. " +
            $"Throughput is status calls/s over the interval after every partition finished its first round (steady state; the first round activates and writes every vehicle{(steady is null ? "; it never finished, so the figures are of the whole run" : "")}); the latency columns are round lateness " +
            $"({lateness.Count} rounds observed, so p99 is close to the worst), read from the poller grains' status.",
            "calls/s", measurement);
        result.Goals.Add(Goals.Under("poll lateness p99", measurement.Latency.P99Ms / 1000, 10, "s"));
        result.Goals.Add(new GoalResult($"keeps the cadence: ≥ 95% of {Goals.Number(expected)} calls/s (fleet ÷ interval)", $"{Goals.Number(callsPerSecond)} calls/s", null, callsPerSecond >= 0.95 * expected));
        result.Goals.Add(new GoalResult($"spread over the interval: busiest second ≤ 2 × the even rate ({Goals.Number(2 * expected)} calls/s)",
            $"{Goals.Number(busiestSecond)} calls/s", null, busiestSecond <= 2 * expected));
        result.Details.Add($"round durations: {string.Join(", ", roundDurations.Select(duration => duration.ToString("0.0", CultureInfo.InvariantCulture) + " s"))}; vehicles not polled (failures): {measurement.Errors}");
        result.Details.Add($"CPU per status call in the last interval, ms: {CpuMeter.PerOperation(start.Cpu, end.Cpu, measurement.Operations)}");
        result.Details.Add($"vehicle writes in the last interval: {end.Writes - start.Writes:N0} ({Goals.Number((end.Writes - start.Writes) / seconds)}/s); in all {end.Writes:N0}");
        result.Details.Add($"thread-pool stall warnings: {platform.StallWarnings - stallsBefore}; silo working set at the end {platform.SiloWorkingSetBytes() / 1_000_000:N0} MB " +
            $"with {await VehicleActivationsAsync(platform):N0} vehicle grains active");
        return result;
    }

    private static async Task<ScenarioResult> MemoryAsync(BenchPlatform platform, int fleet, long idleWorkingSet, string description)
    {
        var activations = await VehicleActivationsAsync(platform);
        var workingSet = platform.SiloWorkingSetBytes();
        var result = new ScenarioResult
        {
            Name = Scenario.Memory,
            Description = description,
            Throughput = workingSet / 1_000_000.0,
            Unit = "MB",
            Operations = activations,
        };
        result.Goals.Add(Goals.Under($"working set with {fleet:N0} vehicle grains", workingSet / 1_000_000.0, 1_000, "MB"));
        var metrics = await platform.SiloMetricsAsync();
        result.Details.Add($"vehicle grains active: {activations:N0}; silo working set idle before seeding {idleWorkingSet / 1_000_000:N0} MB, " +
            $"so about {(workingSet - idleWorkingSet) / (double)Math.Max(1, activations):N0} bytes per vehicle");
        result.Details.Add($"GC heap after the last collection {Prometheus.Sum(metrics, "dotnet_gc_last_collection_heap_size_bytes") / 1_000_000:N0} MB, " +
            $"committed by the GC {Prometheus.Sum(metrics, "dotnet_gc_last_collection_memory_committed_size_bytes") / 1_000_000:N0} MB (the silo runs server GC, the Web SDK's default)");
        return result;
    }

    private static async Task<long> VehicleActivationsAsync(BenchPlatform platform)
    {
        var statistics = await platform.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(entry => entry.GrainType.Contains("VehicleGrain", StringComparison.Ordinal)).Sum(entry => (long)entry.ActivationCount);
    }

    private static double IotCalls(string metrics) => Prometheus.Sum(metrics, "integration_request_count_total", $"system=\"{ExternalSystem.Iot}\"");

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
