using Microsoft.Extensions.Options;

namespace CaaS.Grains.Integration.Iot;

/// <summary>Whom a failed IoT request tells something about.</summary>
public enum FailureScope
{
    /// <summary>API IoT itself: the failure counts towards its breaker (RES-2, IOT-5).</summary>
    System,

    /// <summary>One vehicle (asleep, in a garage, out of coverage): a result for that vehicle's flow only.</summary>
    Vehicle,
}

/// <summary>
/// A breaker judges the system, not a car. API IoT fronts a fleet in which some
/// cars are always out of reach, so a failed request about one VIN says little about API IoT; what
/// does is how it answered about the other vehicles just now. The judge keeps, per VIN, the latest
/// outcome within <see cref="IotResilienceOptions.EvidenceWindow"/> (commands and status polls alike:
/// both reach the same API) and calls a failure API IoT's when at least
/// <see cref="IotResilienceOptions.SystemFailureShare"/> of the vehicles asked about failed last time.
/// API IoT down fails every vehicle, so every failure is its own and RES-2 counts as written; a
/// handful of unreachable cars among answering ones never move the breaker. One per silo.
/// </summary>
public sealed class IotFailureJudge(IOptionsMonitor<IotResilienceOptions> options, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Outcome> _latest = new(StringComparer.Ordinal);
    private readonly Queue<(string Vin, Outcome Outcome)> _recorded = new();
    private int _failing;
    private int _answering;

    private readonly record struct Outcome(DateTimeOffset At, bool Failed);

    /// <summary>API IoT answered about the vehicle (a 2xx, or a 4xx that is a business answer).</summary>
    public void RecordAnswer(string? vin)
    {
        if (vin is null)
        {
            return;
        }

        lock (_gate)
        {
            Record(Key(vin), failed: false);
        }
    }

    /// <summary>A request about the vehicle failed (no answer, a timeout, a 5xx, 408 or 429): whose failure it is.</summary>
    public FailureScope RecordFailure(string? vin)
    {
        if (vin is null)
        {
            // Nothing names a vehicle: only API IoT can be at fault.
            return FailureScope.System;
        }

        lock (_gate)
        {
            Record(Key(vin), failed: true);
            var share = (double)_failing / (_failing + _answering);
            return share >= options.CurrentValue.SystemFailureShare ? FailureScope.System : FailureScope.Vehicle;
        }
    }

    /// <summary>Vehicles whose latest outcome within the window was a failure, and those answered.</summary>
    public (int Failing, int Answering) Evidence
    {
        get
        {
            lock (_gate)
            {
                Expire(time.GetUtcNow());
                return (_failing, _answering);
            }
        }
    }

    private void Record(string vin, bool failed)
    {
        var now = time.GetUtcNow();
        Expire(now);
        if (_latest.TryGetValue(vin, out var previous))
        {
            Count(previous, -1);
        }

        var outcome = new Outcome(now, failed);
        _latest[vin] = outcome;
        _recorded.Enqueue((vin, outcome));
        Count(outcome, +1);
    }

    private void Expire(DateTimeOffset now)
    {
        var horizon = now - options.CurrentValue.EvidenceWindow;
        while (_recorded.TryPeek(out var oldest) && oldest.Outcome.At <= horizon)
        {
            _recorded.Dequeue();
            // Only a vehicle's latest outcome is counted; an older one was replaced already.
            if (_latest.TryGetValue(oldest.Vin, out var latest) && latest == oldest.Outcome)
            {
                _latest.Remove(oldest.Vin);
                Count(latest, -1);
            }
        }
    }

    private void Count(Outcome outcome, int delta)
    {
        if (outcome.Failed)
        {
            _failing += delta;
        }
        else
        {
            _answering += delta;
        }
    }

    private static string Key(string vin) => vin.Trim().ToUpperInvariant();
}
