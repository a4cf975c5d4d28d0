using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Integration;

/// <summary>
/// OBS-1, emitted in one place for every adapter: the telemetry handler records each attempt, the
/// retry strategy each retry, and the gauges read the breakers and the IoT queue. Every instrument
/// carries the tag "system"; the counters also carry "outcome" (<see cref="OutcomeClass"/>).
/// The counters are observable and start at 0 for every system and outcome, so a series is there
/// from start-up: a missing one means the silo is not exporting, not that nothing failed yet.
/// </summary>
public sealed class IntegrationMetrics
{
    public const string SystemTag = "system";
    public const string OutcomeTag = "outcome";

    private readonly Histogram<double> _duration;
    private readonly Tally _requests = new(OutcomeClass.All);
    private readonly Tally _errors = new(OutcomeClass.Failures);
    private readonly Tally _retries = new(OutcomeClass.Failures);

    public IntegrationMetrics(IMeterFactory meters, CircuitBreakers breakers, Iot.IotCommandQueue iotQueue)
    {
        // A meter per container (silo), named like every other CaaS meter so the exporters find it.
        var meter = meters.Create(CaaSDiagnostics.SourceName);
        meter.CreateObservableCounter("integration.request.count", _requests.Measure,
            description: "Requests sent to an external system, one per attempt, by outcome class.");
        _duration = meter.CreateHistogram("integration.request.duration", unit: "s",
            description: "Time from sending a request to its answer or failure.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.IntegrationCalls });
        meter.CreateObservableCounter("integration.request.errors", _errors.Measure,
            description: "Attempts that failed: client_error (4xx), server_error (5xx), timeout or network_error (no connection).");
        meter.CreateObservableCounter("integration.retry.count", _retries.Measure,
            description: "Retries made by the resilience pipelines, by the outcome class of the attempt retried.");
        meter.CreateObservableGauge("integration.circuit.state",
            () => breakers.All.Select(breaker => new Measurement<int>(
                breaker.State == CircuitState.Closed ? 0 : 1, new KeyValuePair<string, object?>(SystemTag, breaker.System))),
            description: "0 closed, 1 open (or half-open, waiting for its probe).");
        // The status poller's own budget, apart from the command breaker above so that a dashboard
        // reading integration.circuit.state{system="iot"} sees whether commands can go.
        meter.CreateObservableGauge("iot.poll.circuit.state",
            () => new Measurement<int>(breakers.IotPolling.State == CircuitState.Closed ? 0 : 1,
                new KeyValuePair<string, object?>(SystemTag, ExternalSystem.Iot)),
            description: "The IoT status poller's failure budget: 0 closed, 1 open (or half-open).");
        meter.CreateObservableGauge("integration.queue.depth",
            () => new Measurement<int>(iotQueue.Depth, new KeyValuePair<string, object?>(SystemTag, ExternalSystem.Iot)),
            description: "IoT commands waiting for the breaker to close.");
    }

    /// <param name="statusCode">null when no answer came.</param>
    /// <param name="timedOut">the attempt was cut by its timeout (as opposed to a failed connection).</param>
    public void RecordAttempt(string system, string method, int? statusCode, bool timedOut, TimeSpan elapsed)
    {
        var outcome = OutcomeClass.Of(statusCode, timedOut);
        _requests.Add(system, outcome);
        if (outcome != OutcomeClass.Success)
        {
            _errors.Add(system, outcome);
        }

        _duration.Record(elapsed.TotalSeconds, new TagList
        {
            { SystemTag, system },
            { "method", method },
            { "status", statusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none" },
            { OutcomeTag, outcome },
        });
    }

    public void RecordRetry(string system, string outcome) => _retries.Add(system, outcome);

    /// <summary>Counts per system and outcome, every pair present from the start.</summary>
    private sealed class Tally
    {
        private readonly ConcurrentDictionary<(string System, string Outcome), StrongBox> _counts = new();

        public Tally(IReadOnlyList<string> outcomes)
        {
            foreach (var system in ExternalSystem.All)
            {
                foreach (var outcome in outcomes)
                {
                    _counts[(system, outcome)] = new StrongBox();
                }
            }
        }

        public void Add(string system, string outcome) =>
            Interlocked.Increment(ref _counts.GetOrAdd((system, outcome), _ => new StrongBox()).Value);

        public IEnumerable<Measurement<long>> Measure() =>
            _counts.Select(entry => new Measurement<long>(Interlocked.Read(ref entry.Value.Value),
                new KeyValuePair<string, object?>(SystemTag, entry.Key.System), new KeyValuePair<string, object?>(OutcomeTag, entry.Key.Outcome)));

        private sealed class StrongBox
        {
            public long Value;
        }
    }
}

/// <summary>How an attempt ended, as the dashboards and alerts group it.</summary>
public static class OutcomeClass
{
    public const string Success = "success";
    public const string ClientError = "client_error";
    public const string ServerError = "server_error";
    public const string Timeout = "timeout";

    /// <summary>No answer and no timeout: the connection failed (nothing listening, reset, TLS refused).</summary>
    public const string NetworkError = "network_error";

    public static readonly IReadOnlyList<string> Failures = [ClientError, ServerError, Timeout, NetworkError];

    public static readonly IReadOnlyList<string> All = [Success, .. Failures];

    public static string Of(int? statusCode, bool timedOut) => statusCode switch
    {
        null => timedOut ? Timeout : NetworkError,
        >= 500 => ServerError,
        >= 400 => ClientError,
        _ => Success,
    };
}

/// <summary>Creates the instruments when the host starts, so their zeros are exported before the first call or reservation.</summary>
internal sealed class IntegrationMetricsAtStartup(IntegrationMetrics metrics) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(metrics);
        Rentals.ReservationMetrics.Publish();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
