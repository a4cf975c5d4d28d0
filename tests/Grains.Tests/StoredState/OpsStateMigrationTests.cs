using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CaaS.Grains.Tests.StoredState;

/// <summary>
/// ops-state.bin is the single ops grain's list in Orleans' binary format, as the code before items had
/// grains of their own stored it (issue 19): the first use of the ops front moves it into item grains
/// and their shelves, once, and the body of a webhook dead letter stored then is still read from its item.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OpsStateMigrationTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset StoredAt = new(2026, 11, 20, 9, 30, 0, TimeSpan.Zero);

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(OpsState).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static OpsState Stored() =>
        Serializer.Deserialize<OpsState>(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "StoredState", "ops-state.bin")))
        ?? throw new InvalidDataException("ops-state holds no state");

    [Fact]
    public void A_stored_ops_list_keeps_every_item_and_how_it_was_handled()
    {
        var items = Stored().Items;

        Assert.Equal(["factory-placement/ord-1", "payment-failed/res-1", "ota-failed/pur-1", "dead-letter/stripe:evt_1"], items.Select(item => item.Id));
        Assert.Equal((OpsItemStatus.Open, 2, StoredAt.AddHours(1)), (items[0].Status, items[0].Occurrences, items[0].LastRaisedAt));
        Assert.Equal(("ops-ann", "pi_1"), (items[1].AcknowledgedBy, items[1].Data["paymentIntentId"]));
        Assert.Equal(("ops-bob", StoredAt.AddDays(-2), "refunded"), (items[2].ResolvedBy, items[2].ResolvedAt, items[2].Resolution));
        Assert.Equal("{\"id\":\"evt_1\"}", items[3].Data[DeadLetterData.Body]);
    }

    [Fact]
    public async Task ADM_5_the_single_grains_stored_items_move_into_their_own_grains_and_shelves_once()
    {
        var legacy = fixture.Grains.GetGrain<ILegacyOpsGrain>(0);
        var ops = fixture.Grains.GetGrain<IOpsGrain>(0);
        // The state lies where the single grain kept it: its grain type and state name.
        Assert.Equal("ops", legacy.GetGrainId().Type.ToString());
        await fixture.Storage.WriteStateAsync("ops", legacy.GetGrainId(), new GrainState<OpsState>(Stored()));

        await legacy.MigrateAsync();
        var alerts = await ops.ListAsync(OpsItemKind.Alert);
        var tickets = await ops.ListAsync(OpsItemKind.SupportTicket);
        var resolved = await ops.ListResolvedAsync(OpsItemKind.SupportTicket, new DateOnly(2026, 11, 18), new DateOnly(2026, 11, 18));
        var letter = Assert.Single(await ops.ListAsync(OpsItemKind.DeadLetter), item => item.Id == "dead-letter/stripe:evt_1");
        var body = await ops.DeadLetterBodyAsync(letter.Id);
        var left = new GrainState<OpsState>();
        await fixture.Storage.ReadStateAsync("ops", legacy.GetGrainId(), left);
        var mark = fixture.Storage.Mark();
        await legacy.MigrateAsync();

        Assert.Equal(2, Assert.Single(alerts, item => item.Id == "factory-placement/ord-1").Occurrences);
        Assert.Equal(OpsItemStatus.Acknowledged, Assert.Single(tickets, item => item.Id == "payment-failed/res-1").Status);
        Assert.DoesNotContain(tickets, item => item.Id == "ota-failed/pur-1");
        Assert.Equal("refunded", Assert.Single(resolved, item => item.Id == "ota-failed/pur-1").Resolution);
        Assert.False(letter.Data.ContainsKey(DeadLetterData.Body));
        Assert.Equal("{\"id\":\"evt_1\"}", body);
        Assert.Empty(left.State!.Items);
        Assert.DoesNotContain(mark.Since(), operation => operation.Write && operation.StateName.StartsWith("ops", StringComparison.Ordinal));
    }
}
