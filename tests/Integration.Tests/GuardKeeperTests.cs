using System.Collections.Concurrent;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Integration.Tests;

/// <summary>
/// Issue 18: a booking registers its guard and stops it again in the same call. The keeper stops
/// the reminder it registered by the version it holds, without reading the table first, and still
/// stops it when that version is stale or the reminder came from an earlier activation.
/// </summary>
public sealed class GuardKeeperTests
{
    [Fact]
    public async Task Issue_18_a_guard_registered_and_stopped_in_one_activation_is_stopped_without_a_lookup_and_a_stale_one_still_stops()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var table = new CountingReminderTable();
        using var silo = await PostgresProvidersTests.StartSiloAsync(database, "guards-" + Guid.NewGuid().ToString("N")[..8],
            services => table.Replace(services));
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var key = "guard-" + Guid.NewGuid().ToString("N")[..8];

        await grains.GetGrain<IGuardProbeGrain>(key + "-one-call").OweAndSettleAsync();
        await grains.GetGrain<IGuardProbeGrain>(key + "-moved").OweAndSettleAsync(moveTheReminderBetween: true);
        var earlier = grains.GetGrain<IGuardProbeGrain>(key + "-earlier");
        await earlier.OweAsync();
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await earlier.SettleAsync();

        Assert.Equal(0, table.LookupsOf(key + "-one-call"));
        Assert.True(table.LookupsOf(key + "-moved") > 0, "a stale version is looked up again");
        Assert.True(table.LookupsOf(key + "-earlier") > 0, "a guard this activation did not register is looked up");
        Assert.Equal(0L, await database.ScalarAsync<long>($"SELECT count(*) FROM orleans_reminder WHERE grain_id LIKE '%{key}%'"));
        await silo.StopAsync();
    }

    /// <summary>The silo's reminder table, counting the reads of single reminders per grain key.</summary>
    private sealed class CountingReminderTable : IReminderTable
    {
        private readonly ConcurrentDictionary<string, int> _lookups = new(StringComparer.Ordinal);
        private IReminderTable? _inner;

        private IReminderTable Inner => _inner ?? throw new InvalidOperationException("The silo has not built its reminder table yet.");

        public int LookupsOf(string key) => _lookups.GetValueOrDefault(key);

        /// <summary>Stands in front of the table the silo's configuration registered.</summary>
        public void Replace(IServiceCollection services)
        {
            var registered = services.Last(service => service.ServiceType == typeof(IReminderTable));
            services.Remove(registered);
            services.AddSingleton<IReminderTable>(provider =>
            {
                _inner = (IReminderTable)(registered.ImplementationFactory?.Invoke(provider)
                    ?? registered.ImplementationInstance
                    ?? ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!));
                return this;
            });
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => Inner.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken = default) => Inner.StopAsync(cancellationToken);

        public Task<ReminderTableData> ReadRows(GrainId grainId)
        {
            _lookups.AddOrUpdate(grainId.Key.ToString()!, 1, (_, count) => count + 1);
            return Inner.ReadRows(grainId);
        }

        public Task<ReminderTableData> ReadRows(uint begin, uint end) => Inner.ReadRows(begin, end);

        public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
        {
            _lookups.AddOrUpdate(grainId.Key.ToString()!, 1, (_, count) => count + 1);
            return Inner.ReadRow(grainId, reminderName);
        }

        public Task<string?> UpsertRow(ReminderEntry entry) => Inner.UpsertRow(entry);

        public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => Inner.RemoveRow(grainId, reminderName, eTag);

        public Task TestOnlyClearTable() => Inner.TestOnlyClearTable();
    }
}
