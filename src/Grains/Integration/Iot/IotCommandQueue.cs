using System.Collections.Concurrent;
using CaaS.Grains.Abstractions.Integration;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Integration.Iot;

/// <summary>
/// IOT-5: while the IoT breaker is open, commands wait here instead of failing, and go out when it
/// closes. The queue is the silo's memory, not a promise of durability: the grain that sent the
/// command keeps its own persisted schedule, so a command lost with a silo is retried by its owner.
/// </summary>
public sealed partial class IotCommandQueue(ILogger<IotCommandQueue> logger)
{
    private readonly ConcurrentQueue<IotCommandRequest> _waiting = new();
    private readonly SemaphoreSlim _draining = new(1, 1);

    public int Depth => _waiting.Count;

    public void Enqueue(IotCommandRequest request)
    {
        _waiting.Enqueue(request);
        LogQueued(request.Vin, request.Command, request.CorrelationId, _waiting.Count);
    }

    /// <summary>
    /// Sends what waits, oldest first, while the breaker lets requests through. The first send after
    /// the break is the breaker's half-open probe; if it fails the rest keep waiting.
    /// </summary>
    public async Task<int> DrainAsync(CircuitBreaker breaker, Func<IotCommandRequest, Task<IotDispatch>> send)
    {
        // One drain at a time: two would both peek the head of the line and send it twice.
        await _draining.WaitAsync();
        try
        {
            var sent = 0;
            while (breaker.State != CircuitState.Open && _waiting.TryPeek(out var next))
            {
                var dispatch = await send(next);
                if (dispatch.Status == IotDispatchStatus.Queued)
                {
                    // The breaker refused it again; it stays at the head of the line.
                    break;
                }

                _waiting.TryDequeue(out _);
                sent++;
            }

            return sent;
        }
        finally
        {
            _draining.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IoT breaker open: queued {Command} for {Vin} ({CorrelationId}); {Depth} waiting")]
    private partial void LogQueued(string vin, string command, string correlationId, int depth);
}
