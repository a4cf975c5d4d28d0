using System.Text.Json;
using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Flows;
using CaaS.Grains.Notifications;
using Microsoft.Extensions.Logging.Abstractions;

namespace CaaS.Adapters.Tests;

/// <summary>NOT-1 against the sandbox's provider: what it refuses for good is a dead letter, an outage only a delay, and each message arrives once.</summary>
[Collection(SandboxClusterCollection.Name)]
public sealed class NotificationOutboxTests(SandboxClusterFixture fixture) : IAsyncLifetime
{
    private SandboxFixture Sandbox => fixture.Sandbox;

    public Task InitializeAsync() => Sandbox.ResetAsync();

    public Task DisposeAsync() => Sandbox.ResetAsync();

    [Fact]
    public async Task NOT_1_a_message_refused_for_good_becomes_a_dead_letter_and_never_holds_back_the_next_one()
    {
        var flow = "flow-" + Guid.NewGuid().ToString("N")[..8];
        var journal = new FlowJournal();
        // The provider refuses a channel it does not have (400): the same request can never succeed.
        Record(journal, flow, "refused", channel: "fax");
        Record(journal, flow, "next");

        var changed = await DeliverAsync(journal, flow);
        var letter = await fixture.Grains.GetGrain<IOpsGrain>(0).GetAsync(NotificationDeadLetters.ItemId($"{flow}/refused"));

        Assert.True(changed);
        // Nothing is owed any more, so the flow's guard has nothing left to retry.
        Assert.Empty(journal.Obligations);
        Assert.Equal([$"{flow}/next"], (await SentAsync(flow)).Select(Key));
        Assert.NotNull(letter);
        Assert.Equal((OpsItemKind.DeadLetter, "rental", flow), (letter.Kind, letter.FlowKind, letter.FlowId));
        Assert.Equal("notifications", letter.Data[DeadLetterData.Source]);
        Assert.Equal("fax", JsonDocument.Parse(letter.Data[DeadLetterData.Body]).RootElement.GetProperty("channel").GetString());
    }

    [Fact]
    public async Task NOT_1_after_a_provider_outage_every_owed_message_is_delivered_once()
    {
        var flow = "flow-" + Guid.NewGuid().ToString("N")[..8];
        var journal = new FlowJournal();
        Record(journal, flow, "first");
        Record(journal, flow, "second");

        await Sandbox.FaultAsync("notifications", "down");
        var duringOutage = await DeliverAsync(journal, flow);
        var owedDuringOutage = journal.OfKind(ObligationKind.Notify).Count();
        await Sandbox.FaultAsync("notifications", "ok");
        var afterOutage = await DeliverAsync(journal, flow);
        // A guard that fires again after a lost write re-sends what it still believes it owes.
        Record(journal, flow, "second");
        await DeliverAsync(journal, flow);

        Assert.False(duringOutage);
        Assert.Equal(2, owedDuringOutage);
        Assert.True(afterOutage);
        Assert.Empty(journal.Obligations);
        Assert.Equal([$"{flow}/first", $"{flow}/second"], (await SentAsync(flow)).Select(Key));
    }

    [Fact]
    public async Task NOT_1_ops_replay_a_notification_dead_letter_and_it_is_delivered()
    {
        var flow = "flow-" + Guid.NewGuid().ToString("N")[..8];
        var ops = fixture.Grains.GetGrain<IOpsGrain>(0);
        var refused = new DependencyRejectedException(ExternalSystem.Notifications, 400, "http_400", "template unknown at the time");
        var message = new Grains.Abstractions.Notifications.OutboxMessage($"{flow}/late", flow, NotificationChannels.Email, "RENTAL_COMPLETED", "Thanks",
            new Dictionary<string, string> { ["reservationId"] = flow, ["key"] = $"{flow}/late" }, fixture.Time.GetUtcNow());
        await ops.RaiseAsync(NotificationDeadLetters.Of(message, refused, FlowKinds.Rental, flow, fixture.Time.GetUtcNow()));

        var replayed = await fixture.Grains.GetGrain<IOpsDeskGrain>(0).ReplayDeadLetterAsync(NotificationDeadLetters.ItemId(message.Id), "ops-ann");
        var again = await fixture.Grains.GetGrain<IOpsDeskGrain>(0).ReplayDeadLetterAsync(NotificationDeadLetters.ItemId(message.Id), "ops-ann");

        Assert.Equal(InboxOutcome.Processed, replayed.Outcome);
        Assert.Equal((OpsItemStatus.Resolved, "ops-ann"), (replayed.DeadLetter.Status, replayed.DeadLetter.ResolvedBy));
        Assert.Equal(InboxOutcome.Processed, again.Outcome);
        Assert.Equal([message.Id], (await SentAsync(flow)).Select(Key));
    }

    private void Record(FlowJournal journal, string flow, string what, string channel = NotificationChannels.Email) =>
        NotificationOutbox.Record(journal, $"{flow}/{what}", flow, "RESERVATION_CONFIRMED", "Confirmed",
            new Dictionary<string, string> { ["reservationId"] = flow, ["key"] = $"{flow}/{what}" }, fixture.Time.GetUtcNow(), channel);

    private Task<bool> DeliverAsync(FlowJournal journal, string flow) =>
        NotificationOutbox.DeliverAsync(journal, fixture.Grains, NullLogger.Instance, FlowKinds.Rental, flow, fixture.Time.GetUtcNow());

    private async Task<List<JsonElement>> SentAsync(string to) =>
        [.. (await Sandbox.GetAsync($"/sandbox/notifications?to={to}")).EnumerateArray()];

    private static string Key(JsonElement sent) => sent.GetProperty("data").GetProperty("key").GetString()!;
}
