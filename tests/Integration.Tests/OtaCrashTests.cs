using CaaS.Grains.Abstractions.Services;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Integration.Tests;

/// <summary>
/// IOT-3, IOT-4, PAY-9: the silo running an OTA activation is SIGKILLed
/// between its retries. The schedule is in PostgreSQL (state and watchdog reminder), so the silo
/// that takes over resumes it; the vehicle then confirms, and the customer is charged exactly once.
/// </summary>
public sealed class OtaCrashTests
{
    [Fact]
    public async Task A_silo_killed_in_the_middle_of_the_OTA_retries_resumes_the_schedule_and_charges_once()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString, silos: 2, settings: new Dictionary<string, string?>(CaaSPlatformFixture.ShortTimings)
        {
            ["Ota__MaxRetries"] = "6",
            ["Ota__RetryInterval"] = "00:00:02",
            // Reminders on PostgreSQL: every reminder period here at least the minimum allowed.
            ["Ota__WatchdogPeriod"] = "00:00:03",
            ["Orders__GuardPeriod"] = "00:00:03",
            ["Services__GuardPeriod"] = "00:00:03",
            ["Reminders__MinimumReminderPeriod"] = "00:00:03",
        });
        using var client = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var calls = new CaaSCalls(platform);
        var (_, token) = await calls.CustomerAsync();
        var vin = await calls.DeliveredVehicleAsync(token);
        await calls.SandboxPostAsync("/sandbox/iot/behavior", new { vin, outcome = "fail", delayMs = 200 });

        var id = (await CaaSCalls.ReadAsync(await calls.BuyAsync(token, vin, "ENHANCED_POWER"))).GetProperty("purchaseId").GetString()!;
        var ota = grains.GetGrain<IOtaCommandGrain>("ota-" + id);
        await Eventually.Until(async () => (await ota.GetAsync())?.Attempts.Count(attempt => attempt.Outcome is not null) >= 2, "two failed attempts");
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(ota);
        Assert.NotNull(host);
        platform.Silos.Single(silo => silo.SiloPort == host.Endpoint.Port).Process.Kill();
        await calls.SandboxPostAsync("/sandbox/iot/behavior", new { vin, outcome = "complete", delayMs = 200 });

        var active = await Eventually.Until(() => calls.PurchaseAsync(token, id), view => view.GetProperty("status").GetString() == "Active"
            && view.GetProperty("charged").GetBoolean(), "the resumed schedule to activate the service", TimeSpan.FromSeconds(90));
        var command = await ota.GetAsync();
        var intents = await Eventually.Until(() => calls.IntentsAsync(id), found => found.EnumerateArray().Any(intent => intent.GetProperty("status").GetString() == "succeeded"),
            "the capture");

        Assert.Equal(OtaCommandStatus.Succeeded, command!.Status);
        Assert.True(command.Attempts.Count is >= 3 and <= 7, $"{command.Attempts.Count} attempts");
        Assert.Equal(command.Attempts.Count, active.GetProperty("attempts").GetInt32());
        // Spacing survives the crash: no attempt started sooner than the retry interval after the one before ended.
        Assert.All(command.Attempts.Skip(1), attempt => Assert.True(attempt.StartedAt >= attempt.ScheduledAt));
        var charged = Assert.Single(intents.EnumerateArray());
        Assert.Equal(("succeeded", 4_900L), (charged.GetProperty("status").GetString(), charged.GetProperty("amount_received").GetInt64()));
    }
}
