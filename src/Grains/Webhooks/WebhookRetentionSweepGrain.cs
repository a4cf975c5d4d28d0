using CaaS.Grains.Abstractions;
using CaaS.Grains.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Webhooks;

/// <summary>
/// SEC-7's retention for the inboxes nothing calls again: storage says which inbox states were last
/// written longer ago than <see cref="WebhookRetentionOptions.BodyRetention"/>, and each is touched,
/// which drops its body (and writes it, so it is not found again). It walks forward from where the
/// last sweep stopped, a bounded number a tick, so a backlog never makes one tick long.
/// </summary>
public sealed partial class WebhookRetentionSweepGrain(
    [PersistentState("webhook-retention", StorageNames.Grains)] IPersistentState<WebhookRetentionSweepState> state,
    IRecentlyWrittenFlows written,
    IOptionsMonitor<WebhookRetentionOptions> options,
    TimeProvider time,
    ILogger<WebhookRetentionSweepGrain> logger) : Grain, IWebhookRetentionSweepGrain, IRemindable
{
    private const string Sweep = "retention";
    private const string InboxState = "inbox";
    private const int Page = 500;
    private const int PagesPerSweep = 20;

    public async Task EnsureScheduledAsync()
    {
        if (await this.GetReminder(Sweep) is null)
        {
            var every = options.CurrentValue.RetentionSweepEvery;
            await this.RegisterOrUpdateReminder(Sweep, every, every);
        }
    }

    public Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status) => SweepAsync();

    public async Task<int> SweepAsync()
    {
        var through = time.GetUtcNow() - options.CurrentValue.BodyRetention;
        var from = state.State.SweptThrough ?? DateTimeOffset.MinValue;
        var touched = 0;
        for (var page = 0; page < PagesPerSweep && from <= through; page++)
        {
            var inboxes = await written.LastWrittenAsync(InboxState, from, through, Page);
            foreach (var chunk in inboxes.Chunk(64))
            {
                await Task.WhenAll(chunk.Select(inbox => GrainFactory.GetGrain<IWebhookInboxGrain>(inbox.Key).BodyDroppedAtAsync()));
            }

            touched += inboxes.Count;
            if (inboxes.Count < Page)
            {
                from = through;
                break;
            }

            // Inclusive next time: states written at the same instant as the page's last are not skipped (one is touched twice).
            from = inboxes[^1].WrittenAt;
        }

        if (state.State.SweptThrough != from)
        {
            state.State.SweptThrough = from;
            await state.WriteStateAsync();
        }

        if (touched > 0)
        {
            LogSwept(logger, touched, through);
        }

        return touched;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook retention: touched {Count} inboxes last written before {Through}; their bodies are dropped")]
    private static partial void LogSwept(ILogger logger, int count, DateTimeOffset through);
}
