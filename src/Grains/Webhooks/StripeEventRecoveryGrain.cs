using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Webhooks;

/// <summary>
/// WH-6 for Stripe. A reminder looks every <see cref="StripeRecoveryOptions.CheckEvery"/> whether a fetch
/// is due (no webhook for a while, or the schedule), and a fetch reads Stripe's events after the newest one
/// it saw, oldest first, into the same inboxes webhooks use. The cursor is written once per fetch, after
/// its events went through their inboxes: a crash in between fetches them again, and the inboxes make
/// that a duplicate.
/// </summary>
public sealed partial class StripeEventRecoveryGrain(
    [PersistentState("stripe-recovery", StorageNames.Grains)] IPersistentState<StripeRecoveryState> state,
    IOptionsMonitor<StripeRecoveryOptions> options,
    IOptions<ReminderOptions> reminderOptions,
    TimeProvider time,
    ILogger<StripeEventRecoveryGrain> logger) : Grain, IStripeEventRecoveryGrain, IRemindable
{
    private const string Check = "check";

    /// <summary>Kept in memory only: a restarted silo starts the quiet period again, which only delays a fetch by one period.</summary>
    private DateTimeOffset _lastWebhookAt;

    private StripeRecoveryOptions Settings => options.CurrentValue;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastWebhookAt = time.GetUtcNow();
        return Task.CompletedTask;
    }

    public async Task EnsureScheduledAsync()
    {
        if (!Settings.Enabled)
        {
            await this.StopReminderAsync(Check);
            return;
        }

        var period = Settings.CheckEvery > reminderOptions.Value.MinimumReminderPeriod ? Settings.CheckEvery : reminderOptions.Value.MinimumReminderPeriod;
        await this.RegisterOrUpdateReminder(Check, period, period);
    }

    public Task WebhookArrivedAsync(DateTimeOffset at)
    {
        if (at > _lastWebhookAt)
        {
            _lastWebhookAt = at;
        }

        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Settings.Enabled)
        {
            await this.StopReminderAsync(Check);
            return;
        }

        if (StripeRecoveryRules.IsDue(Settings, time.GetUtcNow(), _lastWebhookAt, state.State.LastFetchAt))
        {
            try
            {
                await FetchAsync();
            }
            catch (IntegrationException unavailable)
            {
                // Stripe cannot be read now; the next check tries again, from the same cursor.
                LogFetchFailed(unavailable);
            }
        }
    }

    public async Task<StripeRecoveryRun> FetchAsync()
    {
        var startedAt = time.GetUtcNow();
        var adapter = GrainFactory.GetGrain<IPaymentAdapterGrain>(0);
        var createdFrom = StripeRecoveryRules.CreatedFrom(startedAt, Settings.FirstLookback);
        int listed = 0, recovered = 0, failed = 0;
        var cursor = state.State.Cursor;
        StripeEventPage page;
        do
        {
            page = await ListAsync(adapter, cursor, createdFrom);
            foreach (var json in page.Events)
            {
                listed++;
                var reading = StripeEventReader.Read(json);
                if (reading is StripeEventReading.Accepted accepted)
                {
                    switch (await ProcessAsync(accepted, json))
                    {
                        case InboxOutcome.Processed:
                            recovered++;
                            break;
                        case InboxOutcome.Failed:
                            failed++;
                            break;
                    }
                }

                cursor = reading switch
                {
                    StripeEventReading.Accepted { EventId: var id } => id,
                    StripeEventReading.Ignored { EventId: var id } => id,
                    _ => cursor,
                };
            }
        }
        while (page.HasMore && page.Events.Count > 0);

        var run = new StripeRecoveryRun(startedAt, listed, recovered, failed);
        state.State.Cursor = cursor;
        state.State.LastFetchAt = startedAt;
        state.State.RecoveredTotal += recovered;
        state.State.LastRun = run;
        await state.WriteStateAsync();
        LogFetched(listed, recovered, failed, cursor);
        return run;
    }

    public Task<StripeRecoveryStatus> GetStatusAsync() =>
        Task.FromResult(new StripeRecoveryStatus(state.State.Cursor, state.State.LastFetchAt, _lastWebhookAt, state.State.RecoveredTotal, state.State.LastRun));

    private async Task<StripeEventPage> ListAsync(IPaymentAdapterGrain adapter, string? cursor, DateTimeOffset createdFrom)
    {
        try
        {
            return await adapter.ListEventsAsync(new StripeEventQuery(cursor, createdFrom, StripeRecoveryOptions.Types));
        }
        catch (DependencyRejectedException forgotten) when (cursor is not null && forgotten.StatusCode is 400 or 404)
        {
            // Stripe keeps events 30 days: a cursor older than that names nothing any more. The fetch starts
            // over from the earliest Stripe still holds, and the inboxes make whatever was seen a duplicate.
            LogCursorForgotten(cursor, forgotten.Message);
            return await adapter.ListEventsAsync(new StripeEventQuery(null, StripeRecoveryRules.CreatedFrom(time.GetUtcNow(), StripeRecoveryRules.Retention),
                StripeRecoveryOptions.Types));
        }
    }

    private async Task<InboxOutcome> ProcessAsync(StripeEventReading.Accepted accepted, string json)
    {
        var webhook = new InboundWebhook(ExternalSystem.Stripe, accepted.EventId, json, new Dictionary<string, string>(), time.GetUtcNow(),
            accepted.Message, InboundVia.Fetched);
        var outcome = await GrainFactory.GetGrain<IWebhookInboxGrain>($"{ExternalSystem.Stripe}:{accepted.EventId}").ProcessAsync(webhook);
        if (outcome == InboxOutcome.Processed)
        {
            LogRecovered(accepted.EventId, accepted.Message.Event.SourceType, accepted.Message.Event.PaymentIntentId);
        }

        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe event {EventId} ({Type}, {PaymentIntentId}) reached the platform only by the fetch: its webhook was lost or is late")]
    private partial void LogRecovered(string eventId, string type, string paymentIntentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event fetch: {Listed} listed, {Recovered} not brought by a webhook, {Failed} failed processing; cursor {Cursor}")]
    private partial void LogFetched(int listed, int recovered, int failed, string? cursor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe events could not be fetched; the next check tries again")]
    private partial void LogFetchFailed(Exception failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe no longer knows event {Cursor} ({Reason}); fetching from the start of its retention")]
    private partial void LogCursorForgotten(string cursor, string reason);
}

/// <summary>When a fetch is due and where it starts: plain, so they are tested without a cluster.</summary>
public static class StripeRecoveryRules
{
    /// <summary>How long Stripe keeps events listable (docs.stripe.com/api/events/list).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public static bool IsDue(StripeRecoveryOptions settings, DateTimeOffset now, DateTimeOffset lastWebhookAt, DateTimeOffset? lastFetchAt)
    {
        if (lastFetchAt is not { } fetched)
        {
            return true;
        }

        var quiet = now - lastWebhookAt >= settings.QuietAfter && now - fetched >= settings.QuietAfter;
        return quiet || now - fetched >= settings.FetchEvery;
    }

    /// <summary>Never before what Stripe still keeps, less a minute so the edge of the window is not argued about.</summary>
    public static DateTimeOffset CreatedFrom(DateTimeOffset now, TimeSpan lookback) =>
        now - (lookback < Retention - TimeSpan.FromMinutes(1) ? lookback : Retention - TimeSpan.FromMinutes(1));
}
