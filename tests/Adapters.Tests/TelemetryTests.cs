using System.Diagnostics.Metrics;
using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using CaaS.Grains.Integration.Customer;
using CaaS.Grains.Integration.Fleet;
using CaaS.Grains.Integration.Vss;

namespace CaaS.Adapters.Tests;

/// <summary>OBS-1 and OBS-2, observed from outside: what the sandbox received and what the meter emitted.</summary>
[Collection(SandboxCollection.Name)]
public sealed class TelemetryTests(SandboxFixture sandbox) : SandboxTest<SandboxFixture>(sandbox)
{
    [Fact]
    public async Task OBS_2_every_outgoing_call_carries_trace_headers_that_belong_to_the_callers_trace()
    {
        using var action = new System.Diagnostics.Activity("customer books a car").Start();
        var vin = (await Sandbox.FleetAsync())[0].Vin;

        await Harness.Get<CustomerClient>().GetAsync("cust-1");
        await Harness.Get<VssClient>().GetMaintenanceAsync(vin);

        var requests = (await Sandbox.RequestsAsync("customer")).Concat(await Sandbox.RequestsAsync("vss")).ToArray();
        Assert.Equal(3, requests.Length);
        Assert.All(requests, request =>
        {
            Assert.Equal(action.TraceId.ToHexString(), request.Header("x-trace-id"));
            Assert.Matches("^[0-9a-f]{16}$", request.Header("x-span-id") ?? "");
            Assert.Contains(action.TraceId.ToHexString(), request.Header("traceparent") ?? "", StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task OBS_1_requests_errors_retries_and_durations_are_measured_per_system_and_outcome_class_from_zero()
    {
        using var meters = new MeterReader(Harness.Get<IMeterFactory>());
        // A host makes them at start-up (IntegrationMetricsAtStartup); the harness starts no host.
        Harness.Get<IntegrationMetrics>();

        // Before any call every system has every outcome class at 0: a missing series means something.
        var start = meters.Observe();
        foreach (var system in ExternalSystem.All)
        {
            foreach (var outcome in OutcomeClass.All)
            {
                Assert.Equal(0, start[("integration.request.count", system, outcome)]);
            }

            foreach (var outcome in OutcomeClass.Failures)
            {
                Assert.Equal(0, start[("integration.request.errors", system, outcome)]);
                Assert.Equal(0, start[("integration.retry.count", system, outcome)]);
            }
        }

        await Harness.Get<CustomerClient>().GetAsync("cust-1");
        await Sandbox.FaultAsync("fleet", "down");
        await Harness.DriveToFailureAsync<DependencyUnavailableException>(Harness.Get<FleetClient>().ListAsync());
        var after = meters.Observe();

        Assert.Equal(1, after[("integration.request.count", "customer", OutcomeClass.Success)]);
        Assert.Equal(3, after[("integration.request.count", "fleet", OutcomeClass.ServerError)]);
        Assert.Equal(3, after[("integration.request.errors", "fleet", OutcomeClass.ServerError)]);
        Assert.Equal(2, after[("integration.retry.count", "fleet", OutcomeClass.ServerError)]);
        Assert.Equal(0, after[("integration.request.errors", "customer", OutcomeClass.ServerError)]);
        Assert.Equal(0, after[("integration.circuit.state", "vss", null)]);
        Assert.Equal(0, after[("integration.queue.depth", "iot", null)]);
        var durations = meters.Durations();
        Assert.Contains(durations, duration => duration is { System: "customer", Outcome: OutcomeClass.Success });
        Assert.Equal(3, durations.Count(duration => duration is { System: "fleet", Outcome: OutcomeClass.ServerError }));
    }

    /// <summary>Reads the CaaS instruments of one container (the harness's meter factory), so no other test's calls count.</summary>
    private sealed class MeterReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<(string Instrument, string? System, string? Outcome), double> _observed = [];
        private readonly List<(string? System, string? Outcome, double Seconds)> _durations = [];

        public MeterReader(IMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == scope && instrument.Meter.Name == CaaSDiagnostics.SourceName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public Dictionary<(string Instrument, string? System, string? Outcome), double> Observe()
        {
            lock (_observed)
            {
                _observed.Clear();
            }

            _listener.RecordObservableInstruments();
            lock (_observed)
            {
                return new(_observed);
            }
        }

        public List<(string? System, string? Outcome, double Seconds)> Durations()
        {
            lock (_durations)
            {
                return [.. _durations];
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? system = null;
            string? outcome = null;
            foreach (var tag in tags)
            {
                (system, outcome) = tag.Key switch
                {
                    IntegrationMetrics.SystemTag => (tag.Value as string, outcome),
                    IntegrationMetrics.OutcomeTag => (system, tag.Value as string),
                    _ => (system, outcome),
                };
            }

            if (instrument.Name == "integration.request.duration")
            {
                lock (_durations)
                {
                    _durations.Add((system, outcome, value));
                }
            }
            else
            {
                lock (_observed)
                {
                    _observed[(instrument.Name, system, outcome)] = value;
                }
            }
        }
    }
}
