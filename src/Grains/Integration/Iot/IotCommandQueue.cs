using System.Collections.Concurrent;
using CaaS.Grains.Abstractions.Integration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Integration.Iot;

/// <summary>
/// IOT-5: while the IoT breaker is open, commands that may wait (an activation, a LOCK; never an
/// UNLOCK, IOT-9) wait here instead of failing, and go out when it closes. Bounded by
/// Iot:Resilience:QueueCapacity; its depth is the integration.queue.depth gauge. The queue is the silo's memory, not a promise of durability: the grain that sent the
/// command keeps its own persisted schedule, so a command lost with a silo is retried by its owner.
/// It drains at Iot:Resilience:DrainRatePerSecond (a token bucket holding one second's worth), so a
/// recovering API IoT meets a steady stream rather than everything that waited at once.
/// </summary>
public sealed partial class IotCommandQueue(IOptionsMonitor<IotResilienceOptions> options, TimeProvider time, ILogger<IotCommandQueue> logger)
{
    private readonly ConcurrentQueue<IotCommandRequest> _waiting = new();
    private readonly ConcurrentDictionary<string, int> _waitingByVin = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _draining = new(1, 1);
    // Only so that two callers cannot both take the last place; the queue itself is lock-free.
    private readonly Lock _gate = new();
    private double _tokens;
    private DateTimeOffset? _refilledAt;

    public int Depth => _waiting.Count;

    /// <summary>Whether a command for this vehicle waits: a later one for it must not overtake it.</summary>
    public bool HasWaitingFor(string vin) => _waitingByVin.TryGetValue(vin, out var count) && count > 0;

    public int Capacity => options.CurrentValue.QueueCapacity;

    /// <summary>
    /// Queues the command unless <see cref="IotResilienceOptions.QueueCapacity"/> commands wait already:
    /// an outage must not grow the silo's memory without end, and a command refused here is still its
    /// owner's to retry on its own schedule.
    /// </summary>
    /// <returns>false when the queue is full and the command was not queued.</returns>
    public bool TryEnqueue(IotCommandRequest request)
    {
        lock (_gate)
        {
            if (_waiting.Count >= Capacity)
            {
                LogFull(request.Vin, request.Command, request.CorrelationId, _waiting.Count);
                return false;
            }

            _waitingByVin.AddOrUpdate(request.Vin, 1, (_, count) => count + 1);
            _waiting.Enqueue(request);
        }

        LogQueued(request.Vin, request.Command, request.CorrelationId, _waiting.Count);
        return true;
    }

    /// <summary>
    /// Sends what waits, oldest first, while the breaker lets requests through and the drain rate
    /// allows. The first send after the break is the breaker's half-open probe; if it fails the rest
    /// keep waiting. What the rate holds back goes at the next drain.
    /// </summary>
    public async Task<int> DrainAsync(CircuitBreaker breaker, Func<IotCommandRequest, Task<IotDispatch>> send)
    {
        // One drain at a time: two would both peek the head of the line and send it twice.
        await _draining.WaitAsync();
        try
        {
            var sent = 0;
            while (breaker.State != CircuitState.Open && _waiting.TryPeek(out var next) && TryTakeToken())
            {
                var dispatch = await send(next);
                if (dispatch.Status == IotDispatchStatus.Queued)
                {
                    // The breaker refused it again; it stays at the head of the line.
                    break;
                }

                if (_waiting.TryDequeue(out var gone)
                    && _waitingByVin.AddOrUpdate(gone.Vin, 0, (_, count) => count - 1) <= 0)
                {
                    _waitingByVin.TryRemove(KeyValuePair.Create(gone.Vin, 0));
                }

                sent++;
            }

            return sent;
        }
        finally
        {
            _draining.Release();
        }
    }

    /// <summary>Called under the drain lock only, so the bucket needs no lock of its own.</summary>
    private bool TryTakeToken()
    {
        var rate = options.CurrentValue.DrainRatePerSecond;
        var now = time.GetUtcNow();
        _tokens = _refilledAt is { } last ? Math.Min(rate, _tokens + ((now - last).TotalSeconds * rate)) : rate;
        _refilledAt = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "IoT queue full: {Command} for {Vin} ({CorrelationId}) not queued; {Depth} waiting")]
    private partial void LogFull(string vin, string command, string correlationId, int depth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IoT breaker open: queued {Command} for {Vin} ({CorrelationId}); {Depth} waiting")]
    private partial void LogQueued(string vin, string command, string correlationId, int depth);
}
