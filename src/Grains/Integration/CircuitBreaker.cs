using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Integration;

public enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

/// <summary>
/// RES-2 to the letter: N failures within a sliding window open the circuit for the break duration;
/// then exactly one probe goes through; its success closes the circuit, its failure opens it again.
/// (Polly's breaker counts a failure ratio over a minimum throughput, which cannot say "5 failures
/// in 60 s".) One instance per system per silo, shared by every adapter activation.
/// <para>
/// RES-2's numbers are the cluster's: with S silos each breaker opens at
/// ceil(N / S) failures of its own, so the silos together take about N failures (at most N + S - 1)
/// before all of them stop calling, instead of N per silo. The silo count is read at each failure,
/// so a silo joining or leaving changes the share at once. A shared count would be exact but would
/// put a cluster-wide call on every failure; the derived share needs no coordination.
/// </para>
/// </summary>
public sealed class CircuitBreaker(string system, BreakerPolicy policy, TimeProvider time, IClusterSize? cluster = null)
{
    private readonly object _gate = new();
    private readonly Queue<DateTimeOffset> _failures = new();
    private CircuitState _state = CircuitState.Closed;
    private DateTimeOffset _openedAt;
    private bool _probeInFlight;

    public string System { get; } = system;

    public BreakerPolicy Policy { get; } = policy;

    /// <summary>Failures within the window that open this silo's breaker: the cluster's threshold shared by the silos.</summary>
    public int SiloThreshold => ShareOf(Policy.FailureThreshold, cluster?.ActiveSilos ?? 1);

    public static int ShareOf(int clusterThreshold, int silos) =>
        Math.Max(1, (clusterThreshold + Math.Max(silos, 1) - 1) / Math.Max(silos, 1));

    /// <summary>Raised after the circuit closes again, so work held back meanwhile can go.</summary>
    public event Action? Closed;

    public CircuitState State
    {
        get
        {
            lock (_gate)
            {
                return _state == CircuitState.Open && time.GetUtcNow() >= _openedAt + Policy.BreakDuration
                    ? CircuitState.HalfOpen
                    : _state;
            }
        }
    }

    /// <summary>
    /// How long until a request may go again: what is left of the break while open, a moment while the
    /// half-open probe is out, null while closed. A caller refused now is told this (Retry-After).
    /// </summary>
    public TimeSpan? RetryAfter
    {
        get
        {
            lock (_gate)
            {
                if (_state == CircuitState.Closed)
                {
                    return null;
                }

                var left = _openedAt + Policy.BreakDuration - time.GetUtcNow();
                return left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1);
            }
        }
    }

    /// <summary>May a request go now? When it may, <paramref name="isProbe"/> says whether it is the half-open probe.</summary>
    public bool TryAcquire(out bool isProbe)
    {
        lock (_gate)
        {
            isProbe = false;
            if (_state == CircuitState.Open && time.GetUtcNow() >= _openedAt + Policy.BreakDuration)
            {
                _state = CircuitState.HalfOpen;
            }

            switch (_state)
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.HalfOpen when !_probeInFlight:
                    _probeInFlight = true;
                    isProbe = true;
                    return true;
                default:
                    return false;
            }
        }
    }

    public void OnSuccess(bool isProbe)
    {
        bool closed;
        lock (_gate)
        {
            closed = isProbe && _state == CircuitState.HalfOpen;
            if (closed)
            {
                _state = CircuitState.Closed;
                _probeInFlight = false;
                _failures.Clear();
            }
        }

        if (closed)
        {
            Closed?.Invoke();
        }
    }

    public void OnFailure(bool isProbe)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (isProbe)
            {
                _probeInFlight = false;
                Open(now);
                return;
            }

            if (_state != CircuitState.Closed)
            {
                return;
            }

            _failures.Enqueue(now);
            while (_failures.Count > 0 && _failures.Peek() <= now - Policy.Window)
            {
                _failures.Dequeue();
            }

            if (_failures.Count >= SiloThreshold)
            {
                Open(now);
            }
        }
    }

    private void Open(DateTimeOffset now)
    {
        _state = CircuitState.Open;
        _openedAt = now;
        _failures.Clear();
    }
}

/// <summary>
/// The breakers of this silo: one per system that RES-2 gives one, and the IoT status poller's own
/// budget (<see cref="IotPolling"/>), apart from the IoT command breaker so that polling never stops commands.
/// </summary>
public sealed class CircuitBreakers
{
    public const string IotPollingName = "iot-poll";

    private readonly Dictionary<string, CircuitBreaker> _bySystem;

    public CircuitBreakers(TimeProvider time)
        : this(time, new Iot.IotResilienceOptions().PollBreaker, null)
    {
    }

    public CircuitBreakers(TimeProvider time, BreakerPolicy pollBudget, IClusterSize? cluster)
    {
        _bySystem = ExternalSystem.All
            .Select(system => (system, policy: ResilienceMatrix.For(system).Breaker))
            .Where(entry => entry.policy is not null)
            .ToDictionary(entry => entry.system, entry => new CircuitBreaker(entry.system, entry.policy!, time, cluster));
        IotPolling = new CircuitBreaker(IotPollingName, pollBudget, time, cluster);
    }

    /// <summary>The breakers RES-2 names, one per system (the poller's budget is not among them).</summary>
    public IEnumerable<CircuitBreaker> All => _bySystem.Values;

    /// <summary>The IoT status poller's failure budget (Iot:Resilience:Poll*).</summary>
    public CircuitBreaker IotPolling { get; }

    public CircuitBreaker? For(string system) => _bySystem.GetValueOrDefault(system);
}
