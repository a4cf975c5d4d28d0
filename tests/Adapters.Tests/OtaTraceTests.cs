using System.Diagnostics;
using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Services;
using CaaS.TestSupport;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace CaaS.Adapters.Tests;

/// <summary>
/// OBS-2 past the request: a service purchase's OTA attempts run on the command grain's timer, long
/// after the customer's request ended, and each one's spans are still in the purchase's trace.
/// </summary>
[Collection(SandboxClusterCollection.Name)]
public sealed class OtaTraceTests(SandboxClusterFixture fixture) : IAsyncLifetime
{
    private static readonly ActivitySource Customer = new("CaaS.Tests.Customer");

    public Task InitializeAsync() => fixture.Sandbox.ResetAsync();

    public Task DisposeAsync() => fixture.Sandbox.ResetAsync();

    [Fact]
    public async Task OBS_2_every_OTA_attempt_its_timer_starts_is_traced_under_the_purchases_trace_id_down_to_the_IoT_call()
    {
        var exported = new List<Activity>();
        var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(Customer.Name, CaaSDiagnostics.SourceName, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
            .AddInMemoryExporter(exported)
            .Build();
        var vin = "WVWZZZ1JZTR" + Random.Shared.Next(100_000, 999_999);
        var customer = "cust-trace-" + Guid.NewGuid().ToString("N")[..8];
        var purchaseId = "svc-trace-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Grains.GetGrain<IVehicleGrain>(vin).AssignOwnerAsync(customer, "order-" + purchaseId, "ID.4", new TransitionCause("delivered", "test"));
        // The first attempt fails at the vehicle, so a second one follows on the retry timer.
        await fixture.Sandbox.PostAsync("/sandbox/iot/behavior", new { vin, outcome = "fail", delayMs = 0 });
        var purchase = fixture.Grains.GetGrain<IServicePurchaseGrain>(purchaseId);
        var ota = fixture.Grains.GetGrain<IOtaCommandGrain>(ServicePurchases.OtaCommandIdOf(purchaseId));

        ActivityTraceId purchaseTrace;
        using (var request = Customer.StartActivity("POST /api/vehicles/{vin}/services", ActivityKind.Server)!)
        {
            purchaseTrace = request.TraceId;
            await fixture.DriveAsync(purchase.StartAsync(new StartServicePurchase(customer, vin, "ENHANCED_POWER", "pm_card_visa")));
        }

        var requestEnded = DateTime.UtcNow;
        await DriveUntilAsync(async () => (await ota.GetAsync())?.Attempts.Any(attempt => attempt.Outcome is not null) == true, "the first attempt to fail");
        await fixture.Sandbox.PostAsync("/sandbox/iot/behavior", new { vin, outcome = "complete", delayMs = 0 });
        await DriveUntilAsync(async () => (await purchase.GetAsync())?.Status == ServicePurchaseStatus.Active, "the second attempt to activate the service");
        var command = (await ota.GetAsync())!;
        tracing.Dispose();

        Assert.True(command.Attempts.Count >= 2, $"{command.Attempts.Count} attempts");
        // Nothing else calls API IoT on this silo (its poller is off): every command sent, and every
        // progress poll of an attempt, was this purchase's, and each is a span of its trace.
        var commandsSent = exported.Where(span => span.DisplayName == "iot POST").ToArray();
        var progressPolls = exported.Where(span => span.DisplayName == "iot GET").ToArray();
        Assert.Equal(command.Attempts.Count, commandsSent.Length);
        Assert.NotEmpty(progressPolls);
        Assert.All(commandsSent.Concat(progressPolls), span => Assert.Equal(purchaseTrace, span.TraceId));
        Assert.Contains(commandsSent, span => span.StartTimeUtc > requestEnded);
        var steps = exported.Where(span => span.DisplayName == "ota step" && span.GetTagItem("caas.ota.command") as string == command.CommandId).ToArray();
        Assert.NotEmpty(steps);
        Assert.All(steps, step => Assert.Equal(purchaseTrace, step.TraceId));
    }

    private async Task DriveUntilAsync(Func<Task<bool>> done, string what)
    {
        // A tenth of fake time per step of real time: the OTA schedule's 30 s retry passes in about 3 s,
        // while an HTTP call to the sandbox still finishes well inside its fake-time attempt timeout.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new GiveUpException($"gave up waiting for {what}");
            }

            fixture.Time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(10);
        }
    }
}
