using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Telemetry;

/// <summary>
/// IOT-7: polls API IoT for one partition of the fleet every Iot:Poller:Interval and hands each
/// status to its vehicle grain.
/// <para>
/// Why a grain per fleet partition and not a poller per silo: a grain has exactly one activation in
/// the cluster wherever it lives, and its reminder lives in the reminder table rather than in any
/// silo. When a silo dies the reminder fires on a survivor, which reactivates the partition there;
/// nothing has to notice the death and re-deal the fleet. A per-silo poller would have to divide the
/// fleet by the current membership, and every membership change (a silo joining, dying, or seen
/// differently by two silos for a moment) would leave VINs polled twice or not at all until the
/// silos agreed again. With P partitions over S silos, Orleans spreads the load; P is a
/// configuration knob (Iot:Poller:Partitions) and does not follow the silo count.
/// </para>
/// <para>
/// The reminder is only the durable watchdog (Orleans refuses periods under
/// ReminderOptions.MinimumReminderPeriod and warns against high-frequency reminders); the cadence is
/// a grain timer while the partition is active, kept on a fixed grid so that a slow round shows as
/// lateness of the next one (the iot.poll.lateness histogram).
/// </para>
/// <para>
/// Polls spend the poller's own failure budget, never the command breaker's. A car
/// API IoT cannot reach, or whose last contact is stale, is backed off (<see cref="PollBackoff"/>);
/// the backoffs are the activation's memory only: after a failover every car is asked once more,
/// which costs one round's worth of polls. When the budget is spent (API IoT itself is failing) the
/// rest of the round is dropped rather than refused one car at a time.
/// </para>
/// </summary>
public sealed partial class TelemetryPollerGrain(
    IOptionsMonitor<TelemetryPollerOptions> options,
    IOptions<ReminderOptions> reminderOptions,
    TimeProvider time,
    TelemetryMetrics metrics,
    ILogger<TelemetryPollerGrain> logger) : Grain, ITelemetryPollerGrain, IRemindable
{
    private const string Watchdog = "poller-watchdog";

    private IGrainTimer? _timer;
    private DateTimeOffset _nextRoundAt;
    private long _roundsCompleted;
    private DateTimeOffset? _lastRoundStartedAt;
    private int _lastRoundVehicles;
    private int _lastRoundFailures;
    private readonly Dictionary<string, VehicleBackoff> _backoff = new(StringComparer.Ordinal);

    private int Partition => (int)this.GetPrimaryKeyLong();

    private TelemetryPollerOptions Settings => options.CurrentValue;

    /// <summary>Whether the configuration still has this partition: turning the poller off or lowering Partitions retires it.</summary>
    private bool Wanted => Settings.Enabled && Partition >= 0 && Partition < Settings.Partitions;

    private TimeSpan WatchdogPeriod => PollSchedule.WatchdogPeriod(Settings.WatchdogPeriod, reminderOptions.Value.MinimumReminderPeriod);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Whatever woke the partition (a silo's startup task, the watchdog after a failover, a status
        // query), it polls from now on.
        if (Wanted)
        {
            StartPolling();
        }

        return Task.CompletedTask;
    }

    public async Task EnsureRunningAsync()
    {
        if (!Wanted)
        {
            await RetireAsync();
            return;
        }

        // An upsert: calling it again only carries a changed period into the reminder table.
        await this.RegisterOrUpdateReminder(Watchdog, WatchdogPeriod, WatchdogPeriod);
        StartPolling();
    }

    public Task<TelemetryPollerStatus> GetStatusAsync() =>
        Task.FromResult(new TelemetryPollerStatus(Partition, Settings.Partitions, _timer is not null, _roundsCompleted,
            _lastRoundStartedAt, _lastRoundVehicles, _lastRoundFailures, _timer is null ? null : _nextRoundAt, _backoff.Count));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Being activated to receive the tick already restarted the timer (starting it again is a
        // no-op); what is left is to retire a partition the configuration no longer has.
        if (Wanted)
        {
            StartPolling();
        }
        else
        {
            await RetireAsync();
        }
    }

    private void StartPolling()
    {
        if (_timer is not null)
        {
            return;
        }

        var settings = Settings;
        var now = time.GetUtcNow();
        _nextRoundAt = PollSchedule.FirstRound(now, settings.Interval, Partition, settings.Partitions);
        _timer = this.RegisterGrainTimer(PollRoundAsync,
            // Interleaving: a round paced over most of the interval must not hold the status query and the watchdog's call that long.
            new GrainTimerCreationOptions(_nextRoundAt - now, Timeout.InfiniteTimeSpan) { KeepAlive = true, Interleave = settings.Spread > 0 });
    }

    private async Task PollRoundAsync(CancellationToken cancellation)
    {
        if (!Wanted)
        {
            await RetireAsync();
            return;
        }

        var settings = Settings;
        var startedAt = time.GetUtcNow();
        metrics.RecordRoundStarted(Partition, PollSchedule.Lateness(_nextRoundAt, startedAt));
        _lastRoundStartedAt = startedAt;
        try
        {
            if (await PollPartitionAsync(settings, startedAt, cancellation) is { } round)
            {
                (_lastRoundVehicles, _lastRoundFailures, _) = round;
                _roundsCompleted++;
                metrics.RecordRoundEnded(Partition, time.GetUtcNow() - startedAt, round.Vehicles - round.BackedOff, round.Failures, round.BackedOff);
            }
        }
        finally
        {
            if (_timer is not null && !cancellation.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                _nextRoundAt = PollSchedule.NextRound(_nextRoundAt, settings.Interval, now, out var skipped);
                metrics.RecordSkipped(Partition, skipped);
                _timer.Change(_nextRoundAt > now ? _nextRoundAt - now : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <returns>How many vehicles the partition has, how many of them could not be polled and how many were backed off; null when the fleet could not be listed.</returns>
    private async Task<(int Vehicles, int Failures, int BackedOff)?> PollPartitionAsync(TelemetryPollerOptions settings, DateTimeOffset startedAt, CancellationToken cancellation)
    {
        IReadOnlyList<FleetVehicle> fleet;
        try
        {
            fleet = await GrainFactory.GetGrain<IFleetCatalogGrain>(0).ListAsync();
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogFleetUnavailable(failure, Partition);
            return null;
        }

        var partitionVins = FleetPartition.VinsOf(fleet.Select(vehicle => vehicle.Vin), Partition, settings.Partitions);
        ForgetLeftVehicles(partitionVins);
        var pending = new Queue<string>(partitionVins.Where(vin => PollBackoff.IsDue(Backoff(vin), startedAt)));
        var vehicles = partitionVins.Count;
        var backedOff = vehicles - pending.Count;
        var failures = 0;
        string? firstFailure = null;
        var due = pending.Count;
        var dealt = 0;
        // An activation's first round is not paced: after a start or a failover every car is reported
        // at once, and only the rounds after it spread the fleet's rate over the interval.
        var spread = _roundsCompleted == 0 ? 0 : settings.Spread;

        // Every continuation runs on this activation's scheduler, one at a time, so the workers share
        // the queue and the counts without locks; MaxConcurrency bounds the requests in flight, the
        // pace spreads them over the round.
        async Task WorkAsync()
        {
            while (!cancellation.IsCancellationRequested && pending.TryDequeue(out var vin))
            {
                if (!await PollSchedule.WaitUntilAsync(PollSchedule.Slot(startedAt, settings.Interval, spread, dealt++, due), time, cancellation))
                {
                    return;
                }

                var outcome = await PollVehicleAsync(vin, settings, startedAt);
                if (outcome.Failure is { } failure)
                {
                    failures++;
                    firstFailure ??= failure;
                }

                if (outcome.BudgetSpent)
                {
                    // The poller's budget is spent: API IoT is failing, so the rest waits for the next round.
                    failures += pending.Count;
                    pending.Clear();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(settings.MaxConcurrency, pending.Count)).Select(_ => WorkAsync()));
        if (failures > 0)
        {
            LogRoundFailures(Partition, failures, vehicles, firstFailure);
        }

        return (vehicles, failures, backedOff);
    }

    /// <returns>Why the vehicle could not be polled (null when it was), and whether the poller's budget is spent.</returns>
    private async Task<(string? Failure, bool BudgetSpent)> PollVehicleAsync(string vin, TelemetryPollerOptions settings, DateTimeOffset roundStartedAt)
    {
        try
        {
            var status = await GrainFactory.GetGrain<IIotAdapterGrain>(0).PollStatusAsync(vin);
            // The vehicle keeps telemetry only; command progress is read by the grains that sent the commands.
            await GrainFactory.GetGrain<IVehicleGrain>(vin).RecordTelemetryAsync(status with { Commands = [] });
            if (PollBackoff.IsStale(status.LastContact, time.GetUtcNow(), settings.StaleContactAfter))
            {
                Miss(vin, settings, roundStartedAt);
            }
            else
            {
                _backoff.Remove(vin);
            }

            return (null, false);
        }
        catch (VehicleUnreachableException unreachable)
        {
            Miss(vin, settings, roundStartedAt);
            LogVehicleSkipped(Partition, vin, unreachable.Message);
            return (unreachable.Message, false);
        }
        catch (IntegrationException failure)
        {
            // Expected while API IoT is down or the poller's budget is spent: asked again next round.
            LogVehicleSkipped(Partition, vin, failure.Message);
            return (failure.Message, failure is DependencyUnavailableException { CircuitOpen: true });
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogVehicleFailed(failure, Partition, vin);
            return (failure.Message, false);
        }
    }

    private VehicleBackoff? Backoff(string vin) => _backoff.TryGetValue(vin, out var backoff) ? backoff : null;

    private void Miss(string vin, TelemetryPollerOptions settings, DateTimeOffset roundStartedAt) =>
        _backoff[vin] = PollBackoff.Missed(Backoff(vin), roundStartedAt, settings.Interval, settings.MaxBackoff);

    /// <summary>A car that left the partition (the fleet changed, or Partitions did) takes its backoff with it.</summary>
    private void ForgetLeftVehicles(IReadOnlyList<string> partitionVins)
    {
        if (_backoff.Count == 0)
        {
            return;
        }

        var current = partitionVins.ToHashSet(StringComparer.Ordinal);
        foreach (var vin in _backoff.Keys.Where(vin => !current.Contains(vin)).ToArray())
        {
            _backoff.Remove(vin);
        }
    }

    private async Task RetireAsync()
    {
        _timer?.Dispose();
        _timer = null;
        await this.StopReminderAsync(Watchdog);

        LogRetired(Partition, Settings.Enabled, Settings.Partitions);
        this.DeactivateOnIdle();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry partition {Partition}: the fleet could not be listed; round skipped")]
    private partial void LogFleetUnavailable(Exception exception, int partition);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telemetry partition {Partition}: {Vin} not polled this round: {Reason}")]
    private partial void LogVehicleSkipped(int partition, string vin, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry partition {Partition}: {Vin} could not be polled")]
    private partial void LogVehicleFailed(Exception exception, int partition, string vin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry partition {Partition}: {Failures} of {Vehicles} vehicles not polled this round; first failure: {FirstFailure}")]
    private partial void LogRoundFailures(int partition, int failures, int vehicles, string? firstFailure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Telemetry partition {Partition} retired (poller enabled: {Enabled}, partitions: {Partitions})")]
    private partial void LogRetired(int partition, bool enabled, int partitions);
}
