using CaaS.Grains.Abstractions.Integration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Integration.Iot;

/// <summary>
/// Sends IoT commands, or queues those that may wait while the breaker is open (IOT-5), and drains
/// the queue once the break is over. An UNLOCK never waits (IOT-9): refused with when to try again, it
/// is the customer's to ask again, never the queue's to send later. Owners of queued commands hear
/// the outcome through <see cref="IIotCommandOwner"/>.
/// </summary>
public sealed partial class IotDispatcher(
    IotClient client,
    IotCommandQueue queue,
    CircuitBreakers breakers,
    IServiceProvider services,
    ILogger<IotDispatcher> logger)
{
    private CircuitBreaker Breaker => breakers.For(ExternalSystem.Iot)!;

    /// <summary>What an UNLOCK refused because a command for its car still waits is told: the queue drains within seconds.</summary>
    public static readonly TimeSpan RetryBehindQueue = TimeSpan.FromSeconds(2);

    public async Task<IotDispatch> SendAsync(IotCommandRequest request)
    {
        var mayWait = IotCommands.MayWait(request.Command);
        if (Breaker.State == CircuitState.Open || queue.HasWaitingFor(request.Vin))
        {
            // Keep each vehicle's order: nothing overtakes a command already waiting for the same car.
            // Commands for other cars go at once: the backlog drains at its own bounded rate and must
            // not hold up a healthy API IoT's new work (an unlock waiting behind it is a customer waiting).
            return mayWait ? Enqueue(request) : throw Refused(request);
        }

        var dispatch = await TrySendAsync(request, fromQueue: false);
        if (dispatch.Status == IotDispatchStatus.Queued)
        {
            return mayWait ? Enqueue(request) : throw Refused(request);
        }

        return dispatch;
    }

    private IotDispatch Enqueue(IotCommandRequest request)
    {
        if (!queue.TryEnqueue(request))
        {
            throw new DependencyUnavailableException(ExternalSystem.Iot,
                $"API IoT is unavailable and {queue.Depth} commands already wait for it: {request.Command} for {request.Vin} was not queued", circuitOpen: true);
        }

        return new IotDispatch(IotDispatchStatus.Queued, null);
    }

    private DependencyUnavailableException Refused(IotCommandRequest request)
    {
        var open = Breaker.State != CircuitState.Closed;
        LogRefused(request.Command, request.Vin, request.CorrelationId, open ? "the breaker is open" : "a command for the car still waits");
        return new DependencyUnavailableException(ExternalSystem.Iot,
            open ? $"API IoT is unavailable (its circuit breaker is open): {request.Command} for {request.Vin} was not sent"
                : $"a command for {request.Vin} still waits to be sent: {request.Command} was not sent ahead of it",
            circuitOpen: open, retryAfter: open ? Breaker.RetryAfter : RetryBehindQueue);
    }

    public Task<int> DrainAsync() => queue.DrainAsync(Breaker, async request =>
    {
        // OBS-2: a queued command is sent long after its caller's span ended; it goes out in the caller's trace still.
        using var step = Flows.FlowTrace.Continue("iot queued command", request.TraceParent);
        var dispatch = await TrySendAsync(request, fromQueue: true);
        if (dispatch.Status != IotDispatchStatus.Queued && request.Owner is { } owner)
        {
            await NotifyOwnerAsync(owner, request.CorrelationId, dispatch);
        }

        return dispatch;
    });

    /// <summary>
    /// A direct send leaves failures to its caller, except an open breaker, which queues. A send from
    /// the queue keeps the command waiting while the system is still unwell, and gives it up when API
    /// IoT refuses it outright or cannot reach its vehicle (a car that cannot be reached must not hold
    /// up the line behind it; its owner's schedule decides what comes next).
    /// </summary>
    private async Task<IotDispatch> TrySendAsync(IotCommandRequest request, bool fromQueue)
    {
        try
        {
            var commandId = await client.ConfigureAsync(request.Vin, request.Command, request.Parameters);
            return new IotDispatch(IotDispatchStatus.Accepted, commandId);
        }
        catch (DependencyUnavailableException unavailable) when (unavailable.CircuitOpen || fromQueue)
        {
            return new IotDispatch(IotDispatchStatus.Queued, null);
        }
        catch (DependencyTimeoutException) when (fromQueue)
        {
            return new IotDispatch(IotDispatchStatus.Queued, null);
        }
        catch (DependencyRejectedException rejected) when (fromQueue)
        {
            return new IotDispatch(IotDispatchStatus.Failed, null, rejected.Message);
        }
        catch (VehicleUnreachableException unreachable) when (fromQueue)
        {
            return new IotDispatch(IotDispatchStatus.Failed, null, unreachable.Message);
        }
    }

    private async Task NotifyOwnerAsync(GrainId owner, string correlationId, IotDispatch dispatch)
    {
        try
        {
            var grains = services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain(owner).AsReference<IIotCommandOwner>().OnIotCommandDispatchedAsync(correlationId, dispatch);
        }
        catch (Exception exception)
        {
            // The owner's own schedule retries the command; losing this notice only costs a retry.
            LogOwnerUnreachable(exception, owner, correlationId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IoT {Command} for {Vin} ({CorrelationId}) refused, not queued: {Why}")]
    private partial void LogRefused(string command, string vin, string correlationId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell {Owner} that IoT command {CorrelationId} left the queue")]
    private partial void LogOwnerUnreachable(Exception exception, GrainId owner, string correlationId);
}

/// <summary>Drains the IoT queue when the breaker closes, and checks every second in case it never saw it.</summary>
public sealed class IotQueueDrainer(IotDispatcher dispatcher, IotCommandQueue queue, CircuitBreakers breakers, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (queue.Depth > 0 && breakers.For(ExternalSystem.Iot)!.State != CircuitState.Open)
            {
                await dispatcher.DrainAsync();
            }
        }
    }
}
