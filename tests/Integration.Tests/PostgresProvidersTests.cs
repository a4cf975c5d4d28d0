using CaaS.TestSupport;
using CaaS.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaaS.Integration.Tests;

/// <summary>The migrated schema serves all three providers a silo needs: clustering, storage, reminders.</summary>
public sealed class PostgresProvidersTests
{
    [Fact]
    public async Task A_reminder_fires_persists_its_grain_state_and_resumes_on_a_new_silo()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var clusterId = "reminders-" + Guid.NewGuid().ToString("N")[..8];
        var probeKey = "probe-" + Guid.NewGuid().ToString("N")[..8];

        int ticksBeforeRestart;
        using (var first = await StartSiloAsync(database, clusterId))
        {
            var probe = first.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderProbeGrain>(probeKey);
            await probe.StartAsync(TimeSpan.FromSeconds(1));

            ticksBeforeRestart = await Eventually.Until(probe.GetTicksAsync, ticks => ticks >= 2, "two reminder ticks");
            Assert.Equal(1L, await database.ScalarAsync<long>(
                $"SELECT count(*) FROM orleans_reminder WHERE grain_id LIKE '%{probeKey}'"));
            Assert.Equal(1L, await database.ScalarAsync<long>(
                $"SELECT count(*) FROM orleans_grain_state WHERE grain_key LIKE '%{probeKey}' AND payload IS NOT NULL"));
            Assert.Equal(1L, await database.ScalarAsync<long>(
                $"SELECT count(*) FROM orleans_cluster_member WHERE deployment_id = '{clusterId}' AND status = 3"));
            await first.StopAsync();
        }

        using var second = await StartSiloAsync(database, clusterId);
        var resumed = second.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderProbeGrain>(probeKey);

        Assert.True(await resumed.GetTicksAsync() >= ticksBeforeRestart, "the state written before the restart was read back");
        await Eventually.Until(resumed.GetTicksAsync, ticks => ticks > ticksBeforeRestart + 1, "the reminder to fire on the new silo");
        await resumed.StopAsync();
        Assert.Equal(0L, await database.ScalarAsync<long>(
            $"SELECT count(*) FROM orleans_reminder WHERE grain_id LIKE '%{probeKey}'"));
        await second.StopAsync();
    }

    internal static async Task<IHost> StartSiloAsync(PostgresDatabase database, string clusterId, Action<IServiceCollection>? services = null)
    {
        // SEC-5: a local run: no integration is called, so none of its secrets is set.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Caas"] = database.ConnectionString,
            ["Orleans:ClusterId"] = clusterId,
            // SEC-7: a silo keys analytics pseudonyms; this host does not read config/local.json.
            ["Analytics:PseudonymKey"] = "postgres-providers-tests-pseudonym-key-0123456789",
            ["Orleans:Endpoints:SiloPort"] = Repository.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:GatewayPort"] = Repository.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.UseOrleans(silo =>
        {
            silo.AddCaaS(builder.Configuration);
            // Production keeps Orleans' one-minute floor; a test cannot wait minutes for two ticks.
            silo.Configure<ReminderOptions>(options => options.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            services?.Invoke(silo.Services);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
