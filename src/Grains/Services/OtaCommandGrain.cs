using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Flows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Services;

/// <summary>
/// IOT-3's schedule as design.md shapes it: a grain timer keeps the 30 s cadence while the grain is
/// active, a 1-minute reminder is the watchdog that reactivates it after a crash, and every decision
/// is taken from the persisted attempts and next-attempt time, never from how many ticks arrived.
/// An attempt is written before its command is sent, so a crash never loses count of one.
/// </summary>
public sealed partial class OtaCommandGrain(
    [PersistentState("ota-command", StorageNames.Grains)] IPersistentState<OtaCommandState> state,
    IOptionsMonitor<OtaOptions> options,
    IOptionsMonitor<FlowOptions> flowOptions,
    TimeProvider time,
    ILogger<OtaCommandGrain> logger) : Grain, IOtaCommandGrain, IRemindable, IStoredFlowGrain
{
    private const string Watchdog = "watchdog";

    private GuardKeeper? _watchdog;

    private static readonly Histogram<double> AttemptLateness = CaaSDiagnostics.Meter.CreateHistogram(
        "ota.attempt.lateness", "s", "How long after its scheduled time an OTA attempt started.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.ScheduledSteps });

    private IGrainTimer? _timer;

    private string Id => this.GetPrimaryKeyString();

    private OtaCommandState S => state.State;

    private OtaOptions Ota => options.CurrentValue;

    private OtaAttempt? InFlight => OtaSchedule.InFlight(S);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        OtaSchedule.Upgrade(S);
        Outbox.PublishSoon();
        if (S.Journal.Obligations.Count > 0)
        {
            Arm(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync(OtaCommandRequest request)
    {
        if (S.Request is not null)
        {
            return;
        }

        S.Request = request;
        S.NextAttemptAt = time.GetUtcNow();
        S.Move(OtaSchedule.Table, OtaCommandStatus.Pending, TransitionCause.Automatic("activation requested"), time.GetUtcNow(), flowOptions.CurrentValue);
        OtaSchedule.Entered(S);
        await KeepWatchdogAsync();
        await StoreAsync();
        Arm(TimeSpan.Zero);
    }

    public Task<OtaCommandView?> GetAsync() => Task.FromResult(S.Request is null ? null
        : new OtaCommandView(Id, S.Request, S.Status, [.. S.Attempts], S.Status == OtaCommandStatus.Pending ? S.NextAttemptAt : null, [.. S.History]));

    public async Task OnIotCommandDispatchedAsync(string correlationId, IotDispatch dispatch)
    {
        if (InFlight is not { } attempt || correlationId != CorrelationOf(attempt.Number) || attempt.IotCommandId is not null)
        {
            return;
        }

        if (dispatch is { Status: IotDispatchStatus.Accepted, CommandId: { } commandId })
        {
            S.Attempts[^1] = attempt with { IotCommandId = commandId };
            await state.WriteStateAsync();
        }
        else
        {
            await EndAttemptAsync(attempt, $"API IoT did not take the queued command: {dispatch.Error}");
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => TickAsync();

    private async Task TickAsync()
    {
        // Timer and watchdog ticks belong to no request: each continues the purchase's trace (OBS-2).
        using var step = FlowTrace.Continue("ota step", S.Request?.TraceParent);
        step?.SetTag("caas.ota.command", Id);
        step?.SetTag("caas.ota.attempt", S.Attempts.Count);
        if (S.Request is null)
        {
            await StopAsync();
            return;
        }

        if (S.Status == OtaCommandStatus.Pending)
        {
            if (InFlight is { } attempt)
            {
                await FollowAsync(attempt);
            }
            else if (OtaSchedule.AttemptDue(S, time.GetUtcNow()))
            {
                await StartAttemptAsync();
            }
        }

        if (S.Status != OtaCommandStatus.Pending)
        {
            await TellOwnerAsync();
            return;
        }

        var now = time.GetUtcNow();
        var next = OtaSchedule.NextWake(S, now, Ota);
        Arm(next > now ? next - now : TimeSpan.Zero);
    }

    private async Task StartAttemptAsync()
    {
        var request = S.Request!;
        var now = time.GetUtcNow();
        var attempt = OtaSchedule.NextAttempt(S, now, Ota);
        Activity.Current?.SetTag("caas.ota.attempt", attempt.Number);
        AttemptLateness.Record(Math.Max(0, (now - attempt.ScheduledAt).TotalSeconds));
        S.Attempts.Add(attempt);
        await state.WriteStateAsync();
        LogAttempt(Id, attempt.Number, request.Vin);
        try
        {
            var dispatch = await GrainFactory.GetGrain<IIotAdapterGrain>(0).SendCommandAsync(
                new IotCommandRequest(request.Vin, request.Command, request.Parameters, CorrelationOf(attempt.Number), this.GetGrainId(),
                    FlowTrace.Capture()));
            switch (dispatch)
            {
                case { Status: IotDispatchStatus.Accepted, CommandId: { } commandId }:
                    S.Attempts[^1] = attempt with { IotCommandId = commandId };
                    await state.WriteStateAsync();
                    break;
                case { Status: IotDispatchStatus.Queued }:
                    // The IoT breaker is open (IOT-5): the queue sends it later and tells this grain; the deadline still runs.
                    break;
                default:
                    await EndAttemptAsync(attempt, $"API IoT did not take the command: {dispatch.Error}");
                    break;
            }
        }
        catch (IntegrationException failure)
        {
            await EndAttemptAsync(attempt, failure.Message);
        }
    }

    private async Task FollowAsync(OtaAttempt attempt)
    {
        if (attempt.IotCommandId is { } commandId)
        {
            try
            {
                var status = await GrainFactory.GetGrain<IIotAdapterGrain>(0).GetStatusAsync(S.Request!.Vin);
                var command = status.Commands.FirstOrDefault(candidate => candidate.CommandId == commandId);
                if (command?.IsCompleted == true)
                {
                    await EndAttemptAsync(attempt, null);
                    return;
                }

                if (command?.IsFailed == true)
                {
                    await EndAttemptAsync(attempt, "the vehicle reported the command FAILED");
                    return;
                }
            }
            catch (IntegrationException failure)
            {
                // Not knowing is not failing: the attempt's deadline decides.
                LogPollFailed(failure, Id, attempt.Number);
            }
        }

        if (time.GetUtcNow() >= attempt.Deadline)
        {
            await EndAttemptAsync(attempt, $"no completion within {Ota.AttemptTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <param name="error">null when the vehicle confirmed the command.</param>
    private async Task EndAttemptAsync(OtaAttempt attempt, string? error)
    {
        S.Attempts[^1] = attempt with { Outcome = error is null ? "completed" : "failed: " + error };
        if (error is null)
        {
            LogActivated(Id, attempt.Number);
            await MoveAsync(OtaCommandStatus.Succeeded, $"the vehicle confirmed attempt {attempt.Number}");
            return;
        }

        S.LastError = error;
        if (OtaSchedule.Exhausted(S, Ota))
        {
            LogExhausted(Id, S.Attempts.Count, error);
            await MoveAsync(OtaCommandStatus.Failed, $"attempt {attempt.Number} failed ({error}); no retries left");
            return;
        }

        S.NextAttemptAt = time.GetUtcNow() + Ota.RetryInterval;
        LogAttemptFailed(Id, attempt.Number, error, S.NextAttemptAt.Value);
        await state.WriteStateAsync();
    }

    /// <summary>The outcome reaches the purchase at least once; until it has, the watchdog keeps trying.</summary>
    private async Task TellOwnerAsync()
    {
        if (S.Journal.Owes(ObligationKind.TellOwner))
        {
            await GrainFactory.GetGrain<IServicePurchaseGrain>(S.Request!.PurchaseId).OnActivationFinishedAsync(
                new OtaOutcome(Id, S.Status == OtaCommandStatus.Succeeded, S.Attempts.Count, S.LastError));
            S.Journal.Discharge(ObligationKind.TellOwner);
            await state.WriteStateAsync();
        }

        await StopAsync();
    }

    private async Task StopAsync()
    {
        _timer?.Dispose();
        _timer = null;
        await KeepWatchdogAsync();
    }

    /// <summary>The watchdog runs while the command owes attempts or its outcome, and not a moment longer.</summary>
    private Task KeepWatchdogAsync() => (_watchdog ??= new GuardKeeper(this, Watchdog)).KeepAsync(S.Journal, Ota.WatchdogPeriod, time.GetUtcNow());

    private void Arm(TimeSpan due)
    {
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(_ => TickAsync(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private Task MoveAsync(OtaCommandStatus to, string reason)
    {
        S.Move(OtaSchedule.Table, to, TransitionCause.Automatic(reason), time.GetUtcNow(), flowOptions.CurrentValue);
        OtaSchedule.Entered(S);
        return StoreAsync();
    }

    private string CorrelationOf(int attempt) => $"{Id}/attempt-{attempt}";

    [LoggerMessage(Level = LogLevel.Information, Message = "OTA {CommandId}: attempt {Attempt} to {Vin}")]
    private partial void LogAttempt(string commandId, int attempt, string vin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTA {CommandId}: attempt {Attempt} failed ({Error}); next at {NextAttemptAt:u}")]
    private partial void LogAttemptFailed(string commandId, int attempt, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "OTA {CommandId}: all {Attempts} attempts failed; last: {Error}")]
    private partial void LogExhausted(string commandId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "OTA {CommandId}: the vehicle confirmed attempt {Attempt}")]
    private partial void LogActivated(string commandId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "OTA {CommandId}: could not read attempt {Attempt}'s progress")]
    private partial void LogPollFailed(Exception exception, string commandId, int attempt);
}
