using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Integration;

/// <summary>
/// OBS-1, emitted in one place for every adapter: the telemetry handler records each attempt, the
/// retry strategy each retry, and the gauges read the breakers and the IoT queue. Every instrument
/// carries the tag "system".
/// </summary>
public sealed class IntegrationMetrics
{
    public const string SystemTag = "system";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _retries;

    public IntegrationMetrics(IMeterFactory meters, CircuitBreakers breakers, Iot.IotCommandQueue iotQueue)
    {
        // A meter per container (silo), named like every other CaaS meter so the exporters find it.
        var meter = meters.Create(CaaSDiagnostics.SourceName);
        _requests = meter.CreateCounter<long>("integration.request.count", description: "Requests sent to an external system, one per attempt.");
        _duration = meter.CreateHistogram<double>("integration.request.duration", unit: "s", description: "Time from sending a request to its answer or failure.");
        _errors = meter.CreateCounter<long>("integration.request.errors", description: "Attempts that failed: 4xx, 5xx, timeout or no connection.");
        _retries = meter.CreateCounter<long>("integration.retry.count", description: "Retries made by the resilience pipelines.");
        meter.CreateObservableGauge("integration.circuit.state",
            () => breakers.All.Select(breaker => new Measurement<int>(
                breaker.State == CircuitState.Closed ? 0 : 1, new KeyValuePair<string, object?>(SystemTag, breaker.System))),
            description: "0 closed, 1 open (or half-open, waiting for its probe).");
        // The status poller's own budget, apart from the command breaker above so that a dashboard
        // reading integration.circuit.state{system="iot"} sees whether commands can go.
        meter.CreateObservableGauge("iot.poll.circuit.state",
            () => new Measurement<int>(breakers.IotPolling.State == CircuitState.Closed ? 0 : 1,
                new KeyValuePair<string, object?>(SystemTag, Abstractions.Integration.ExternalSystem.Iot)),
            description: "The IoT status poller's failure budget: 0 closed, 1 open (or half-open).");
        meter.CreateObservableGauge("integration.queue.depth",
            () => new Measurement<int>(iotQueue.Depth, new KeyValuePair<string, object?>(SystemTag, Abstractions.Integration.ExternalSystem.Iot)),
            description: "IoT commands waiting for the breaker to close.");
    }

    public void RecordAttempt(string system, string method, int? statusCode, string? error, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { SystemTag, system },
            { "method", method },
            { "status", statusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none" },
        };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
        if (error is not null)
        {
            tags.Add("error", error);
            _errors.Add(1, tags);
        }
    }

    public void RecordRetry(string system, int attempt) =>
        _retries.Add(1, new TagList { { SystemTag, system }, { "attempt", attempt } });
}
