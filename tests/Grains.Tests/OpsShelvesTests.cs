using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Notifications;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Notifications;
using static CaaS.Grains.Tests.OpsItemRulesTests;

namespace CaaS.Grains.Tests;

/// <summary>
/// ADM-5, issue 19: ops items are grains of their own on small shelves by kind and day. Each test raises
/// on days of its own, far from the fixture's clock, so what it lists is its own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OpsShelvesTests(ClusterFixture fixture)
{
    private static readonly string[] OpsStates = ["ops", "ops-item", "ops-shelf", "ops-shelf-directory"];

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    private IOpsGrain Ops => fixture.Grains.GetGrain<IOpsGrain>(0);

    [Fact]
    public async Task ADM_5_a_resolved_item_leaves_the_open_listing_for_the_archive_of_its_day_and_a_raise_brings_it_back()
    {
        var id = $"adm5-archive/{_suffix}";
        await Ops.RaiseAsync(Item(id, new DateTimeOffset(2031, 1, 5, 9, 0, 0, TimeSpan.Zero), kind: OpsItemKind.RiskItem));
        var acknowledged = await Ops.AcknowledgeAsync(id, "ops-ann");
        var acknowledgedAgain = await Ops.AcknowledgeAsync(id, "ops-bob");
        var openBefore = await Ops.ListAsync(OpsItemKind.RiskItem);
        var resolved = await Ops.ResolveAsync(id, "ops-ann", "money came");
        var resolvedAgain = await Ops.ResolveAsync(id, "ops-bob", "second word");
        var day = DateOnly.FromDateTime(resolved.ResolvedAt!.Value.UtcDateTime);
        var openAfter = await Ops.ListAsync(OpsItemKind.RiskItem);
        var archived = await Ops.ListResolvedAsync(OpsItemKind.RiskItem, day, day);
        var archivedTheDayBefore = await Ops.ListResolvedAsync(OpsItemKind.RiskItem, day.AddDays(-1), day.AddDays(-1));
        var acknowledgeResolved = await Assert.ThrowsAsync<DomainException>(() => Ops.AcknowledgeAsync(id, "ops-ann"));
        await Ops.RaiseAsync(Item(id, new DateTimeOffset(2031, 1, 9, 9, 0, 0, TimeSpan.Zero), "again", OpsItemKind.RiskItem));
        var openReopened = await Ops.ListAsync(OpsItemKind.RiskItem);
        var archivedReopened = await Ops.ListResolvedAsync(OpsItemKind.RiskItem);

        Assert.Equal(("ops-ann", OpsItemStatus.Acknowledged), (acknowledged.AcknowledgedBy, acknowledged.Status));
        Assert.True(OpsShelves.Same(acknowledged, acknowledgedAgain));
        Assert.Equal(OpsItemStatus.Acknowledged, Assert.Single(openBefore, item => item.Id == id).Status);
        Assert.Equal(("ops-ann", "money came"), (resolvedAgain.ResolvedBy, resolvedAgain.Resolution));
        Assert.DoesNotContain(openAfter, item => item.Id == id);
        Assert.Equal(("ops-ann", OpsItemStatus.Resolved), Assert.Single(archived, item => item.Id == id) is var kept ? (kept.ResolvedBy, kept.Status) : default);
        Assert.DoesNotContain(archivedTheDayBefore, item => item.Id == id);
        Assert.Equal(ErrorCodes.InvalidState, acknowledgeResolved.Code);
        var reopened = Assert.Single(openReopened, item => item.Id == id);
        Assert.Equal((OpsItemStatus.Open, 2, "again"), (reopened.Status, reopened.Occurrences, reopened.Detail));
        Assert.DoesNotContain(archivedReopened, item => item.Id == id);
    }

    [Fact]
    public async Task ADM_5_a_raise_reads_and_writes_only_its_own_item_shelf_and_directory_however_many_items_exist()
    {
        var crowded = new DateTimeOffset(2032, 2, 1, 8, 0, 0, TimeSpan.Zero);
        await RaiseManyAsync(10, crowded);
        var withTen = await MeasuredRaiseAsync(Item($"adm5-cost/{_suffix}/ten", crowded.AddDays(1)));
        await RaiseManyAsync(400, crowded);
        var withFourHundredMore = await MeasuredRaiseAsync(Item($"adm5-cost/{_suffix}/more", crowded.AddDays(2)));

        foreach (var (item, touched) in new[] { withTen, withFourHundredMore })
        {
            var own = new[]
            {
                fixture.Grains.GetGrain<IOpsItemGrain>(item.Id).GetGrainId(),
                fixture.Grains.GetGrain<IOpsShelfGrain>(OpsShelves.OpenShelfOf(item)).GetGrainId(),
                fixture.Grains.GetGrain<IOpsShelfDirectoryGrain>(OpsShelves.DirectoryOf(OpsShelves.Open, item.Kind)).GetGrainId(),
            };
            Assert.All(touched, operation => Assert.Contains(operation.GrainId, own));
            // The item, then its day's shelf, listed in the directory as it turned non-empty.
            Assert.Equal(["ops-item", "ops-shelf-directory", "ops-shelf"], touched.Where(operation => operation.Write).Select(operation => operation.StateName));
            // What that shelf write carried: this item alone, whatever else is open.
            Assert.Equal([item.Id], (await fixture.Grains.GetGrain<IOpsShelfGrain>(OpsShelves.OpenShelfOf(item)).ListAsync()).Select(shelved => shelved.Id));
        }

        Assert.Equal(withTen.Touched.Count, withFourHundredMore.Touched.Count);
    }

    [Fact]
    public async Task ADM_5_an_item_stored_but_not_shelved_when_the_process_died_is_shelved_by_its_next_call()
    {
        var id = $"adm5-crash-raise/{_suffix}";
        fixture.Storage.FailWrites("ops-shelf");
        await Assert.ThrowsAnyAsync<Exception>(() => Ops.RaiseAsync(Item(id, new DateTimeOffset(2033, 3, 1, 8, 0, 0, TimeSpan.Zero))));
        var listedAfterCrash = await Ops.ListAsync(OpsItemKind.Alert);
        var stored = await Ops.GetAsync(id);
        var listedAfterRepair = await Ops.ListAsync(OpsItemKind.Alert);

        Assert.DoesNotContain(listedAfterCrash, item => item.Id == id);
        Assert.Equal(OpsItemStatus.Open, stored?.Status);
        Assert.Contains(listedAfterRepair, item => item.Id == id);
    }

    [Fact]
    public async Task ADM_5_an_item_resolved_but_left_on_the_open_shelf_when_the_process_died_is_archived_by_its_next_call()
    {
        var id = $"adm5-crash-resolve/{_suffix}";
        await Ops.RaiseAsync(Item(id, new DateTimeOffset(2033, 4, 1, 8, 0, 0, TimeSpan.Zero)));
        fixture.Storage.FailWrites("ops-shelf");
        await Assert.ThrowsAnyAsync<Exception>(() => Ops.ResolveAsync(id, "ops-ann", "first word"));
        var openAfterCrash = await Ops.ListAsync(OpsItemKind.Alert);
        var again = await Ops.ResolveAsync(id, "ops-bob", "second word");
        var openAfterRepair = await Ops.ListAsync(OpsItemKind.Alert);
        var archived = await Ops.ListResolvedAsync(OpsItemKind.Alert);

        Assert.Equal(OpsItemStatus.Open, Assert.Single(openAfterCrash, item => item.Id == id).Status);
        Assert.Equal(("ops-ann", "first word"), (again.ResolvedBy, again.Resolution));
        Assert.DoesNotContain(openAfterRepair, item => item.Id == id);
        Assert.Equal("first word", Assert.Single(archived, item => item.Id == id).Resolution);
    }

    [Fact]
    public async Task WH_6_a_webhook_dead_letter_leaves_its_body_in_the_inbox_and_reads_it_from_there()
    {
        var messageId = $"msg-{_suffix}";
        var body = $"{{\"reference\":\"ord-unknown-{_suffix}\",\"status\":\"MANUFACTURING\"}}";
        var now = fixture.Time.GetUtcNow();
        // The Factory speaks of an order the platform never recorded: processing fails.
        var webhook = new InboundWebhook("factory", messageId, body, new Dictionary<string, string> { ["webhook-id"] = messageId }, now,
            new FactoryStatusReported($"ord-unknown-{_suffix}", new FactoryStatusUpdate("webhook", "F-1", "MANUFACTURING", null, null, now)));
        var inboxKey = $"factory:{messageId}";
        var id = DeadLetterData.ItemId(inboxKey);

        var outcome = await fixture.Grains.GetGrain<IWebhookInboxGrain>(inboxKey).ProcessAsync(webhook);
        var letter = await Ops.GetAsync(id);
        var listed = Assert.Single(await Ops.ListAsync(OpsItemKind.DeadLetter), item => item.Id == id);
        var read = await Ops.DeadLetterBodyAsync(id);
        var replayed = await fixture.Grains.GetGrain<IOpsDeskGrain>(0).ReplayDeadLetterAsync(id, "ops-ann");

        Assert.Equal(InboxOutcome.Failed, outcome);
        Assert.False(letter!.Data.ContainsKey(DeadLetterData.Body));
        Assert.False(listed.Data.ContainsKey(DeadLetterData.Body));
        Assert.Equal((messageId, "factory"), (listed.Data["webhook-id"], listed.Data[DeadLetterData.Source]));
        Assert.Equal(body, read);
        Assert.Equal(InboxOutcome.Failed, replayed.Outcome);
        Assert.Equal("2", replayed.DeadLetter.Data[DeadLetterData.Attempts]);
        Assert.Null(await Ops.DeadLetterBodyAsync($"factory-placement/{_suffix}"));
    }

    [Fact]
    public async Task NOT_1_a_notification_dead_letter_keeps_its_body_in_its_item_only()
    {
        var message = new OutboxMessage($"flow-{_suffix}/refused", $"cust-{_suffix}", NotificationChannels.Email, "RENTAL_COMPLETED", "Thanks",
            new Dictionary<string, string> { ["reservationId"] = $"flow-{_suffix}" }, fixture.Time.GetUtcNow());
        var refused = new DependencyRejectedException(ExternalSystem.Notifications, 400, "http_400", "template unknown");
        var raised = NotificationDeadLetters.Of(message, refused, FlowKinds.Rental, $"flow-{_suffix}", fixture.Time.GetUtcNow());
        var id = NotificationDeadLetters.ItemId(message.Id);

        await Ops.RaiseAsync(raised);
        var letter = await Ops.GetAsync(id);
        var listed = Assert.Single(await Ops.ListAsync(OpsItemKind.DeadLetter), item => item.Id == id);

        Assert.Equal(raised.Data[DeadLetterData.Body], letter!.Data[DeadLetterData.Body]);
        Assert.False(listed.Data.ContainsKey(DeadLetterData.Body));
        Assert.Equal(raised.Data[DeadLetterData.Body], await Ops.DeadLetterBodyAsync(id));
    }

    private async Task RaiseManyAsync(int count, DateTimeOffset at)
    {
        var start = Guid.NewGuid().ToString("N")[..6];
        for (var batch = 0; batch < count; batch += 50)
        {
            await Task.WhenAll(Enumerable.Range(batch, Math.Min(50, count - batch)).Select(index =>
                Ops.RaiseAsync(Item($"adm5-crowd/{_suffix}/{start}-{index}", at.AddMinutes(index), kind: (OpsItemKind)(index % 4)))));
        }
    }

    private async Task<(OpsItem Item, IReadOnlyList<StorageOperation> Touched)> MeasuredRaiseAsync(OpsItem item)
    {
        var mark = fixture.Storage.Mark();
        await Ops.RaiseAsync(item);
        return (item, [.. mark.Since().Where(operation => OpsStates.Contains(operation.StateName) && (operation.Write || operation.StateName != "ops"))]);
    }
}
