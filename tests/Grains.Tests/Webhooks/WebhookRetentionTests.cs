using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;

namespace CaaS.Grains.Tests.Webhooks;

/// <summary>SEC-7: what a webhook carried goes after Webhooks:BodyRetention (30 days by default); its id still refuses a second delivery (WH-3).</summary>
[Collection(ClusterCollection.Name)]
public sealed class WebhookRetentionTests(ClusterFixture fixture)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private IOpsGrain Ops => fixture.Grains.GetGrain<IOpsGrain>(0);

    [Fact]
    public async Task SEC_7_a_processed_webhook_past_the_retention_loses_its_body_and_its_id_is_still_a_duplicate()
    {
        // Received an hour short of the retention, so a two-hour step of the clock carries it past.
        var receivedAt = fixture.Time.GetUtcNow() - Retention + TimeSpan.FromHours(1);
        var messageId = $"evt_retained_{_suffix}";
        var webhook = new InboundWebhook("stripe", messageId, $"{{\"id\":\"{messageId}\"}}", new Dictionary<string, string> { ["stripe-signature"] = "t=1,v1=x" },
            receivedAt, new StripePaymentMessage(new PaymentEvent(messageId, "payment_intent.succeeded", "pi_none", receivedAt, null), null, null), InboundVia.Fetched);
        var inbox = fixture.Grains.GetGrain<IWebhookInboxGrain>($"stripe:{messageId}");

        var first = await inbox.ProcessAsync(webhook);
        var bodyBefore = await inbox.BodyAsync();
        fixture.Time.Advance(TimeSpan.FromHours(2));
        var bodyAfter = await inbox.BodyAsync();
        var again = await inbox.ProcessAsync(webhook);
        var droppedAt = await inbox.BodyDroppedAtAsync();

        Assert.Equal(InboxOutcome.Processed, first);
        Assert.Equal(webhook.Body, bodyBefore);
        Assert.Null(bodyAfter);
        Assert.Equal(InboxOutcome.Duplicate, again);
        Assert.NotNull(droppedAt);
    }

    [Fact]
    public async Task SEC_7_a_dead_letter_past_the_retention_says_its_body_is_gone_and_refuses_a_replay()
    {
        var receivedAt = fixture.Time.GetUtcNow() - Retention + TimeSpan.FromHours(1);
        var messageId = $"msg-retained-{_suffix}";
        // The Factory speaks of an order the platform never recorded: processing fails, a dead letter is raised.
        var webhook = new InboundWebhook("factory", messageId, $"{{\"reference\":\"ord-unknown-{_suffix}\"}}", new Dictionary<string, string> { ["webhook-id"] = messageId },
            receivedAt, new FactoryStatusReported($"ord-unknown-{_suffix}", new FactoryStatusUpdate("webhook", "F-1", "MANUFACTURING", null, null, receivedAt)));
        var inboxKey = $"factory:{messageId}";
        var id = DeadLetterData.ItemId(inboxKey);

        var outcome = await fixture.Grains.GetGrain<IWebhookInboxGrain>(inboxKey).ProcessAsync(webhook);
        var bodyBefore = await Ops.DeadLetterBodyAsync(id);
        var droppedBefore = await Ops.DeadLetterBodyDroppedAtAsync(id);
        fixture.Time.Advance(TimeSpan.FromHours(2));
        var droppedAfter = await Ops.DeadLetterBodyDroppedAtAsync(id);
        var bodyAfter = await Ops.DeadLetterBodyAsync(id);
        var replay = await Assert.ThrowsAsync<DomainException>(() => fixture.Grains.GetGrain<IOpsDeskGrain>(0).ReplayDeadLetterAsync(id, "ops-ann"));
        var redelivered = await fixture.Grains.GetGrain<IWebhookInboxGrain>(inboxKey).ProcessAsync(webhook);

        Assert.Equal(InboxOutcome.Failed, outcome);
        Assert.Equal(webhook.Body, bodyBefore);
        Assert.Null(droppedBefore);
        Assert.Equal(fixture.Time.GetUtcNow(), droppedAfter);
        Assert.Null(bodyAfter);
        Assert.Equal(ErrorCodes.InvalidState, replay.Code);
        Assert.Contains("Webhooks:BodyRetention", replay.Message, StringComparison.Ordinal);
        Assert.Equal(InboxOutcome.Duplicate, redelivered);
        Assert.Equal(OpsItemStatus.Open, (await Ops.GetAsync(id))!.Status);
    }
}
