using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Flows;

/// <summary>
/// A flow grain whose state in memory must never run ahead of what it stored: its moves mutate the
/// state, then write it, and call other grains and systems in between.
/// </summary>
public interface IStoredFlowGrain : IGrainBase;

/// <summary>
/// A call to a flow grain that fails with anything but a business answer (a state write refused while
/// PostgreSQL restarts, a grain on a dead silo, a call timing out) may leave the activation holding
/// changes it never stored: an obligation discharged in memory, a move half made. Such an activation
/// is dropped once the call ends, so the next call, reminder tick or timer reads what was stored and
/// carries on from there; the guard reminder, which lives in the reminder table, brings it back.
/// </summary>
public sealed partial class StoredFlowReset(ILogger<StoredFlowReset> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception failure) when (failure is not Abstractions.DomainException && context.TargetContext.GrainInstance is IStoredFlowGrain flow)
        {
            Reset(logger, flow, failure);
            throw;
        }
    }

    /// <summary>For a flow's own timers, which no call filter sees.</summary>
    public static void Reset(ILogger logger, IStoredFlowGrain flow, Exception failure)
    {
        LogReset(logger, failure, flow.GrainContext.GrainId.ToString());
        flow.DeactivateOnIdle();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {GrainId}: a call failed past what it caught; the activation is dropped so the next one reads the stored state")]
    private static partial void LogReset(ILogger logger, Exception exception, string grainId);
}
