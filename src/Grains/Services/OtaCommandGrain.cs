using System.Diagnostics.Metrics;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Services;

public sealed class OtaOptions
{
    public const string Section = "Ota";

    /// <summary>Retries after the first attempt (IOT-3: at most N, default 5).</summary>
    public int MaxRetries { get; set; } = 5;

    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often an attempt in flight asks API IoT whether the vehicle has finished.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The durable reminder that revives the schedule after a crash; Orleans refuses periods under its minimum.</summary>
    public TimeSpan WatchdogPeriod { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// IOT-3's schedule as design.md shapes it: a grain timer keeps the 30 s cadence while the grain is
/// active, a 1-minute reminder is the watchdog that reactivates it after a crash, and every decision
/// is taken from the persisted attempts and next-attempt time, never from how many ticks arrived.
/// An attempt is written before its command is sent, so a crash never loses count of one.
/// </summary>
public sealed partial class OtaCommandGrain(
    [PersistentState("ota-command", StorageNames.Grains)] IPersistentState<OtaCommandState> state,
    IOptionsMonitor<OtaOptions> options,
    TimeProvider time,
    ILogger<OtaCommandGrain> logger) : Grain, IOtaCommandGrain, IRemindable
{
    private const string Watchdog = "watchdog";

    private static readonly Histogram<double> AttemptLateness = CaasDiagnostics.Meter.CreateHistogram<double>(
        "ota.attempt.lateness", "s", "How long after its scheduled time an OTA attempt started.");

    private IGrainTimer? _timer;

    private string Id => this.GetPrimaryKeyString();

    private OtaCommandState S => state.State;

    private OtaOptions Rules => options.CurrentValue;

    private OtaAttempt? InFlight => S.Attempts is [.., { Outcome: null } last] ? last : null;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Request is not null && !S.OwnerTold)
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
        await this.RegisterOrUpdateReminder(Watchdog, Rules.WatchdogPeriod, Rules.WatchdogPeriod);
        await SaveAsync("None", OtaCommandStatus.Pending, "activation requested");
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
            else if (time.GetUtcNow() >= S.NextAttemptAt)
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
        var next = InFlight is { } running
            ? Min(now + Rules.PollInterval, running.Deadline)
            : S.NextAttemptAt ?? now;
        Arm(next > now ? next - now : TimeSpan.Zero);
    }

    private async Task StartAttemptAsync()
    {
        var request = S.Request!;
        var now = time.GetUtcNow();
        var scheduled = S.NextAttemptAt ?? now;
        var attempt = new OtaAttempt(S.Attempts.Count + 1, scheduled, now, now + Rules.AttemptTimeout, null, null);
        AttemptLateness.Record(Math.Max(0, (now - scheduled).TotalSeconds));
        S.Attempts.Add(attempt);
        await state.WriteStateAsync();
        LogAttempt(Id, attempt.Number, request.Vin);
        try
        {
            var dispatch = await GrainFactory.GetGrain<IIotAdapterGrain>(0).SendCommandAsync(
                new IotCommandRequest(request.Vin, request.Command, request.Parameters, CorrelationOf(attempt.Number), this.GetGrainId()));
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
            await EndAttemptAsync(attempt, $"no completion within {Rules.AttemptTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <param name="error">null when the vehicle confirmed the command.</param>
    private async Task EndAttemptAsync(OtaAttempt attempt, string? error)
    {
        S.Attempts[^1] = attempt with { Outcome = error is null ? "completed" : "failed: " + error };
        if (error is null)
        {
            LogActivated(Id, attempt.Number);
            await SaveAsync(S.Status.ToString(), OtaCommandStatus.Succeeded, $"the vehicle confirmed attempt {attempt.Number}");
            return;
        }

        S.LastError = error;
        if (S.Attempts.Count > Rules.MaxRetries)
        {
            LogExhausted(Id, S.Attempts.Count, error);
            await SaveAsync(S.Status.ToString(), OtaCommandStatus.Failed, $"attempt {attempt.Number} failed ({error}); no retries left");
            return;
        }

        S.NextAttemptAt = time.GetUtcNow() + Rules.RetryInterval;
        LogAttemptFailed(Id, attempt.Number, error, S.NextAttemptAt.Value);
        await state.WriteStateAsync();
    }

    /// <summary>The outcome reaches the purchase at least once; until it has, the watchdog keeps trying.</summary>
    private async Task TellOwnerAsync()
    {
        if (!S.OwnerTold)
        {
            await GrainFactory.GetGrain<IServicePurchaseGrain>(S.Request!.PurchaseId).OnActivationFinishedAsync(
                new OtaOutcome(Id, S.Status == OtaCommandStatus.Succeeded, S.Attempts.Count, S.LastError));
            S.OwnerTold = true;
            await state.WriteStateAsync();
        }

        await StopAsync();
    }

    private async Task StopAsync()
    {
        _timer?.Dispose();
        _timer = null;
        await this.StopReminderAsync(Watchdog);
    }

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

    private async Task SaveAsync(string from, OtaCommandStatus to, string reason)
    {
        var now = time.GetUtcNow();
        TransitionHistory.Append(S.History, TransitionHistory.Record(now, from, to.ToString(), TransitionCause.Automatic(reason)));
        S.Status = to;
        await state.WriteStateAsync();
        await this.PublishFlowAsync(Moved(), logger);
    }

    public Task<FlowMoved?> DescribeFlowAsync() => Task.FromResult(S.Request is null || S.History.Count == 0 ? null : Moved());

    private FlowMoved Moved()
    {
        var movedAt = S.History[^1].At;

        // A pending command is expected to stay quiet for its whole retry schedule.
        var schedule = (Rules.MaxRetries + 1) * (Rules.AttemptTimeout + Rules.RetryInterval);
        return new FlowMoved(FlowKinds.OtaCommand, Id, S.Status.ToString(), S.Status != OtaCommandStatus.Pending, movedAt,
            S.Status == OtaCommandStatus.Pending ? movedAt + schedule : null, Vin: S.Request!.Vin);
    }

    private string CorrelationOf(int attempt) => $"{Id}/attempt-{attempt}";

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

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
