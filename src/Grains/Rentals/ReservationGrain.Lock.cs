using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Rentals;

/// <summary>
/// IOT-9: the LOCK sent at return. Unlike the UNLOCK it may wait: it goes through the ordinary IoT
/// command path, queued while the breaker is open (IOT-5), and is followed by a grain timer until the
/// car confirms it or Rentals:LockWait is over, when ops are alerted and the rental completes all
/// the same. The timer lives with the activation; the obligation it follows is stored, so a rental
/// whose silo died is woken by its guard reminder and takes the timer up again on activation.
/// </summary>
public sealed partial class ReservationGrain : IIotCommandOwner
{
    private IGrainTimer? _lockTimer;

    private IIotAdapterGrain Iot => GrainFactory.GetGrain<IIotAdapterGrain>(0);

    private string LockCorrelation(int send) => $"{Id}/lock/{send}";

    public async Task OnIotCommandDispatchedAsync(string correlationId, IotDispatch dispatch)
    {
        if (S.ReturnLock is not { Settled: false, Queued: true } waiting || correlationId != LockCorrelation(waiting.Sends))
        {
            return;
        }

        // Accepted: followed from now on. Refused on the way out: sent again at the next tick.
        S.ReturnLock = dispatch is { Status: IotDispatchStatus.Accepted, CommandId: { } commandId }
            ? waiting with { CommandId = commandId, Queued = false }
            : waiting with { Queued = false };
        await state.WriteStateAsync();
        ArmLockTimer();
    }

    private void ArmLockTimer()
    {
        // Kept alive while it waits: the wait is bounded by Rentals:LockWait, and an idle collection
        // would only leave the following to the guard's slower period.
        _lockTimer ??= this.RegisterGrainTimer(_ => LockTickAsync(),
            new GrainTimerCreationOptions(Rentals.LockPollInterval, Rentals.LockPollInterval) { KeepAlive = true });
    }

    private void StopLockTimer()
    {
        _lockTimer?.Dispose();
        _lockTimer = null;
    }

    private async Task LockTickAsync()
    {
        try
        {
            if (await FollowLockAsync())
            {
                await SettleAsync();
            }
        }
        catch (Exception failure) when (failure is not DomainException)
        {
            StoredFlowReset.Reset(logger, this, failure);
            throw;
        }
    }

    /// <summary>
    /// One step of following the LOCK: asks API IoT about the one it acknowledged, sends one when none
    /// is out (the first, or again after one failed or was refused), and ends the wait at its deadline.
    /// </summary>
    /// <returns>true when the wait ended now (the capture may be owed); the caller settles.</returns>
    private async Task<bool> FollowLockAsync()
    {
        if (S.Status != ReservationStatus.ReturnPending || S.ReturnLock is not { Settled: false } waiting)
        {
            StopLockTimer();
            return false;
        }

        var followed = waiting.CommandId is { } commandId ? await AskAboutLockAsync(waiting, commandId) : waiting;
        var now = time.GetUtcNow();
        if (!followed.Settled && followed is { CommandId: null, Queued: false } && now < followed.WaitUntil)
        {
            followed = await SendLockAsync(followed);
        }

        if (!followed.Settled && now >= followed.WaitUntil)
        {
            followed = followed with { WaitedOutAt = now };
        }

        if (followed != waiting)
        {
            S.ReturnLock = followed;
            if (followed.Settled)
            {
                await LockSettledAsync(followed);
                return true;
            }

            await state.WriteStateAsync();
        }

        ArmLockTimer();
        return false;
    }

    private async Task<ReturnLock> AskAboutLockAsync(ReturnLock waiting, string commandId)
    {
        try
        {
            var command = (await Iot.GetStatusAsync(S.Vin)).Commands.FirstOrDefault(candidate => candidate.CommandId == commandId);
            if (command?.IsCompleted == true)
            {
                return waiting with { ConfirmedAt = time.GetUtcNow() };
            }

            if (command?.IsFailed == true)
            {
                LogLockFailed(Id, S.Vin, commandId);
                return waiting with { CommandId = null };
            }
        }
        catch (IntegrationException failure)
        {
            // Not knowing is not failing: the wait's deadline decides.
            LogLockPollFailed(failure, Id, S.Vin);
        }

        return waiting;
    }

    private async Task<ReturnLock> SendLockAsync(ReturnLock waiting)
    {
        var send = waiting.Sends + 1;
        try
        {
            var dispatch = await Iot.SendCommandAsync(new IotCommandRequest(S.Vin, IotCommands.Lock,
                new Dictionary<string, string> { ["reservationId"] = Id }, LockCorrelation(send), this.GetGrainId(), FlowTrace.Capture()));
            return dispatch switch
            {
                { Status: IotDispatchStatus.Accepted, CommandId: { } commandId } => waiting with { Sends = send, CommandId = commandId },
                { Status: IotDispatchStatus.Queued } => waiting with { Sends = send, Queued = true },
                _ => waiting with { Sends = send },
            };
        }
        catch (IntegrationException failure)
        {
            // The car out of reach, API IoT refusing, the queue full: sent again at the next tick, until the wait is over.
            LogLockSendFailed(failure, Id, S.Vin, send);
            return waiting with { Sends = send };
        }
    }

    /// <summary>The wait is over: recorded, ops told when the car never confirmed, and the capture owed if the return was accepted.</summary>
    private async Task LockSettledAsync(ReturnLock settled)
    {
        StopLockTimer();
        Journal.Discharge(ObligationKind.ConfirmLock);
        if (S.ReturnAccepted && !Journal.Owes(ObligationKind.Capture))
        {
            DecideFinalAmount();
        }

        if (settled.ConfirmedAt is not null)
        {
            await RecordAsync(FlowEntryKind.VehicleLocked, TransitionCause.Automatic("the vehicle confirmed the lock"));
            return;
        }

        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"lock-unconfirmed/{Id}", OpsItemKind.Alert, "Returned vehicle not confirmed locked",
            $"{S.Vin} did not confirm the LOCK sent at return within {Rentals.LockWait} ({settled.Sends} sent); check that the car is locked",
            FlowKinds.Rental, Id, time.GetUtcNow(), new Dictionary<string, string> { ["vin"] = S.Vin }));
        await RecordAsync(FlowEntryKind.LockUnconfirmed, TransitionCause.Automatic($"the vehicle did not confirm the lock within {Rentals.LockWait}; ops alerted"));
    }

    /// <summary>An operator refused the return: the car is the renter's again, and no LOCK is followed any more.</summary>
    private void ForgetReturn()
    {
        StopLockTimer();
        Journal.Discharge(ObligationKind.ConfirmLock);
        S.ReturnProof = null;
        S.ReturnedAt = null;
        S.ReturnWitness = null;
        S.JudgedEnergyPercent = null;
        S.ReturnAccepted = false;
        S.ReturnLock = null;
        S.VerificationIssues = [];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: could not ask API IoT about {Vin} at return; judging by the report held")]
    private partial void LogWitnessUnavailable(Exception exception, string reservationId, string vin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: {Vin} reported LOCK {CommandId} FAILED; sending it again")]
    private partial void LogLockFailed(string reservationId, string vin, string commandId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: could not ask API IoT whether {Vin} is locked")]
    private partial void LogLockPollFailed(Exception exception, string reservationId, string vin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: LOCK {Send} for {Vin} was not taken")]
    private partial void LogLockSendFailed(Exception exception, string reservationId, string vin, int send);
}
