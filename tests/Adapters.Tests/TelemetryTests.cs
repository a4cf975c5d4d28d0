using System.Diagnostics.Metrics;
using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
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
    public async Task OBS_1_requests_errors_retries_and_durations_are_measured_per_system()
    {
        var measured = new List<(string Instrument, double Value, string? System)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Name == CaaSDiagnostics.SourceName && instrument.Name.StartsWith("integration.", StringComparison.Ordinal))
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();

        await Harness.Get<CustomerClient>().GetAsync("cust-1");
        await Sandbox.FaultAsync("fleet", "down");
        await Harness.DriveToFailureAsync<CaaS.Grains.Abstractions.Integration.DependencyUnavailableException>(Harness.Get<FleetClient>().ListAsync());
        listener.RecordObservableInstruments();

        lock (measured)
        {
            Assert.Contains(measured, m => m is { Instrument: "integration.request.count", System: "customer" });
            Assert.Contains(measured, m => m is { Instrument: "integration.request.duration", System: "customer" });
            Assert.Equal(3, measured.Count(m => m is { Instrument: "integration.request.count", System: "fleet" }));
            Assert.Equal(3, measured.Count(m => m is { Instrument: "integration.request.errors", System: "fleet" }));
            Assert.Equal(2, measured.Count(m => m is { Instrument: "integration.retry.count", System: "fleet" }));
            Assert.Contains(measured, m => m is { Instrument: "integration.circuit.state", System: "vss", Value: 0 });
            Assert.Contains(measured, m => m is { Instrument: "integration.queue.depth", System: "iot", Value: 0 });
        }

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? system = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "system")
                {
                    system = tag.Value as string;
                }
            }

            lock (measured)
            {
                measured.Add((instrument.Name, value, system));
            }
        }
    }
}
