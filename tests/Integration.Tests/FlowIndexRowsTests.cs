using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;
using CaaS.Silo;
using CaaS.TestSupport;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace CaaS.Integration.Tests;

/// <summary>Issue 18 and ADM-1: the flow index is rows, and a batch of the log writes only the flows it moved.</summary>
public sealed class FlowIndexRowsTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Issue_18_ADM_1_a_batch_writes_only_the_rows_of_its_flows_and_the_rest_of_the_partition_stays_as_stored()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var rows = Postgres(database, "service-a");
        await rows.ApplyAsync([.. Enumerable.Range(0, 60).Select(i => Move($"res-{i:00}", "Confirmed", 2))], Noon.AddHours(-1));
        var before = await VersionsAsync(database);

        await rows.ApplyAsync([Move("res-01", "Active", 3), Move("res-02", "Confirmed", 2), Move("res-60", "Pending", 1)], Noon.AddHours(-1));
        var after = await VersionsAsync(database);

        Assert.Equal(["res-01"], before.Keys.Where(id => after[id] != before[id]));
        Assert.Equal(61, after.Count);
    }

    [Fact]
    public async Task Issue_18_ADM_1_rows_in_PostgreSQL_keep_the_newest_word_never_revive_a_finished_flow_and_forget_it_later()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await KeepsTheNewestAsync(Postgres(database, "service-a"), Postgres(database, "service-b"));
    }

    [Fact]
    public Task Issue_18_ADM_1_rows_in_memory_keep_the_newest_word_never_revive_a_finished_flow_and_forget_it_later() =>
        KeepsTheNewestAsync(new InMemoryFlowIndexRows(), new InMemoryFlowIndexRows());

    private static async Task KeepsTheNewestAsync(IFlowIndexRows rows, IFlowIndexRows otherService)
    {
        var longAgo = Noon.AddDays(-1);
        // One batch may carry a flow twice: the newer wins, whatever the order.
        await rows.ApplyAsync([Move("r1", "Active", 3), Move("r1", "Confirmed", 2), Move("r2", "Confirmed", 2), Move("r3", "Confirmed", 1)], longAgo);
        // Redelivered and older events change nothing; a word without a sequence counts by its time.
        await rows.ApplyAsync([Move("r1", "Confirmed", 2), Move("r2", "Pending", 1), Move("r3", "ReturnPending", 0, at: Noon.AddMinutes(1))], longAgo);
        await rows.ApplyAsync([Move("r2", "Cancelled", 4, finished: true)], longAgo);
        await rows.ApplyAsync([Move("r2", "Confirmed", 3)], longAgo);
        await otherService.ApplyAsync([Move("r9", "Confirmed", 1)], longAgo);

        var open = await AllOpenAsync(rows);

        Assert.Equal([("r1", "Active"), ("r3", "ReturnPending")], open.Select(flow => (flow.FlowId, flow.State)));
        Assert.Equal(Move("r1", "Active", 3), open[0]);

        // Once the finished memory has passed, the finished row is gone: a late word is taken as news.
        await rows.ApplyAsync([Move("r4", "Completed", 1, finished: true)], forgetFinishedBefore: Noon.AddMinutes(1));
        await rows.ApplyAsync([Move("r2", "Confirmed", 3)], longAgo);
        Assert.Contains(await AllOpenAsync(rows), flow => flow.FlowId == "r2");

        await rows.ClearAsync(FlowIndex.KeyOf(FlowKinds.Rental, "r1"));

        Assert.DoesNotContain(await AllOpenAsync(rows), flow => flow.FlowId == "r1");
        Assert.Single(await AllOpenAsync(otherService));
    }

    private static async Task<List<FlowMoved>> AllOpenAsync(IFlowIndexRows rows) =>
        [.. (await Task.WhenAll(FlowIndex.KeysOf(FlowKinds.Rental).Select(key => rows.ListAsync(key, CancellationToken.None))))
            .SelectMany(flows => flows).OrderBy(flow => flow.FlowId, StringComparer.Ordinal)];

    private static PostgresFlowIndexRows Postgres(PostgresDatabase database, string service) =>
        new(database.ConnectionString, Options.Create(new ClusterOptions { ServiceId = service }));

    /// <summary>Each row's xmin: the transaction that last wrote it.</summary>
    private static async Task<Dictionary<string, string>> VersionsAsync(PostgresDatabase database) =>
        (await database.StringsAsync("SELECT flow_id || '=' || xmin::text FROM caas_flow_index"))
        .Select(row => row.Split('=')).ToDictionary(pair => pair[0], pair => pair[1]);

    /// <param name="at">By default a moment that grows with the sequence, to a tick no database rounds away.</param>
    private static FlowMoved Move(string flowId, string state, long sequence, bool finished = false, DateTimeOffset? at = null) =>
        new(FlowKinds.Rental, flowId, state, finished, at ?? Noon.AddTicks(sequence * 10_000_001 + 7), QuietUntil: Noon.AddDays(2), VehicleId: "veh-1",
            StartsAt: Noon.AddDays(1), EndsAt: Noon.AddDays(2), Sequence: sequence);
}
