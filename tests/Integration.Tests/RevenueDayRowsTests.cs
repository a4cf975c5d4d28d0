using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;
using CaaS.Silo;
using CaaS.TestSupport;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace CaaS.Integration.Tests;

/// <summary>Issue 18 and ADM-4: a revenue day is rows, and a batch of the log writes only its own movements, each once.</summary>
public sealed class RevenueDayRowsTests
{
    private static readonly DateTimeOffset Morning = new(2026, 12, 2, 9, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public async Task Issue_18_ADM_4_a_batch_writes_only_its_movements_and_the_rest_of_the_day_stays_as_stored()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var rows = Postgres(database, "service-a");
        await rows.RecordAsync([.. Enumerable.Range(0, 40).Select(i => Moved($"res-{i:00}/capture"))]);
        var before = await database.StringsAsync("SELECT movement_id || '=' || xmin::text FROM caas_revenue_day ORDER BY movement_id");

        await rows.RecordAsync([Moved("res-01/capture"), Moved("res-40/capture")]);
        var after = await database.StringsAsync("SELECT movement_id || '=' || xmin::text FROM caas_revenue_day ORDER BY movement_id");

        Assert.Equal(before, after.Where(row => !row.StartsWith("res-40/", StringComparison.Ordinal)));
        Assert.Equal(41, after.Count);
    }

    [Fact]
    public async Task Issue_18_ADM_4_rows_in_PostgreSQL_keep_each_movement_once_under_the_day_it_happened()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await KeepsEachOnceAsync(Postgres(database, "service-a"), Postgres(database, "service-b"));
    }

    [Fact]
    public Task Issue_18_ADM_4_rows_in_memory_keep_each_movement_once_under_the_day_it_happened() =>
        KeepsEachOnceAsync(new InMemoryRevenueDayRows(), new InMemoryRevenueDayRows());

    private static async Task KeepsEachOnceAsync(IRevenueDayRows rows, IRevenueDayRows otherService)
    {
        var today = RevenueStreams.DayKey(Morning);
        var tomorrow = RevenueStreams.DayKey(Morning.AddDays(1));
        // A movement twice in one batch, and a batch delivered again after a crash, count once.
        await rows.RecordAsync([Moved("res-1/capture"), Moved("res-1/capture"), Moved("res-2/refund", MoneyMovementType.Refunded, -500)]);
        await rows.RecordAsync([Moved("res-1/capture"), Moved("res-3/capture", at: Morning.AddDays(1))]);
        await otherService.RecordAsync([Moved("res-9/capture")]);

        var day = (await rows.ListAsync(today)).OrderBy(moved => moved.MovementId, StringComparer.Ordinal).ToList();

        Assert.Equal([Moved("res-1/capture"), Moved("res-2/refund", MoneyMovementType.Refunded, -500)], day);
        Assert.Equal(["res-3/capture"], (await rows.ListAsync(tomorrow)).Select(moved => moved.MovementId));

        await rows.ClearAsync(today);

        Assert.Empty(await rows.ListAsync(today));
        Assert.Single(await rows.ListAsync(tomorrow));
        Assert.Single(await otherService.ListAsync(today));
    }

    private static PostgresRevenueDayRows Postgres(PostgresDatabase database, string service) =>
        new(database.ConnectionString, Options.Create(new ClusterOptions { ServiceId = service }));

    /// <param name="at">To the microsecond, as the log's money events carry it.</param>
    private static MoneyMoved Moved(string movementId, MoneyMovementType type = MoneyMovementType.Captured, long amount = 2_400, DateTimeOffset? at = null) =>
        new(movementId, at ?? Morning, RevenueKind.Rental, type, new Money(amount, "EUR"), 0, movementId.Split('/')[0], "pi_" + movementId.Split('/')[0]);
}
