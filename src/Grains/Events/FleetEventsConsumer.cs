using System.Text;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace CaaS.Grains.Events;

/// <summary>
/// FLT-1..3 as Pub/Sub (issue 14 point 6): Fleet Management's events read from the stream that holds
/// <c>fleet.events.&gt;</c> (Fleet Management owns it; the platform only creates its durable consumer),
/// through the same inbox as the webhook, so an event that comes both ways is applied once and an
/// older one after a newer changes nothing. Acknowledged only after the vehicle grain applied it; one
/// that keeps failing is terminated after <see cref="EventsOptions.FleetMaxDeliveries"/> deliveries,
/// leaving the dead letter its inbox raised for ops to replay.
/// </summary>
public sealed partial class FleetEventsConsumer(
    IEventLog log,
    IGrainFactory grains,
    IOptionsMonitor<EventsOptions> options,
    TimeProvider time,
    ILogger<FleetEventsConsumer> logger) : BackgroundService
{
    public const string ConsumerName = "caas-fleet";
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (log is not JetStreamEventLog jetStream)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                string? stream = null;
                await foreach (var name in jetStream.JetStream.ListStreamNamesAsync(EventSubjects.FleetEvents, stoppingToken))
                {
                    stream = name;
                    break;
                }

                if (stream is null)
                {
                    // Fleet Management has not created its stream yet.
                    await Task.Delay(RetryAfter, time, stoppingToken);
                    continue;
                }

                var consumer = await jetStream.JetStream.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig(ConsumerName)
                {
                    FilterSubject = EventSubjects.FleetEvents,
                    AckPolicy = ConsumerConfigAckPolicy.Explicit,
                    AckWait = options.CurrentValue.AckWait,
                    DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                }, stoppingToken);
                LogReading(logger, stream);
                await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: stoppingToken))
                {
                    await HandleAsync(message, stoppingToken);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // No stream yet (Fleet Management creates it), NATS away, a silo still starting: look again.
                LogNotReading(logger, exception);
                await Task.Delay(RetryAfter, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task HandleAsync(INatsJSMsg<byte[]> message, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetString(message.Data ?? []);
        if (FleetEventBody.Parse(body) is not { } parsed)
        {
            LogUnreadable(logger, message.Subject);
            await message.AckTerminateAsync(cancellationToken: cancellationToken);
            return;
        }

        // The webhook's id is the event's id: whichever way an event comes first, the other is a duplicate.
        var eventId = parsed switch { FleetStatusChanged changed => changed.EventId, FleetMaintenanceScheduled scheduled => scheduled.EventId, _ => message.Subject };
        var webhook = new InboundWebhook(ExternalSystem.Fleet, eventId, body, new Dictionary<string, string> { ["nats-subject"] = message.Subject },
            time.GetUtcNow(), parsed, InboundVia.Streamed);
        var outcome = await grains.GetGrain<IWebhookInboxGrain>($"{webhook.Source}:{webhook.MessageId}").ProcessAsync(webhook);
        if (outcome != InboxOutcome.Failed)
        {
            await message.AckAsync(cancellationToken: cancellationToken);
        }
        else if ((long)(message.Metadata?.NumDelivered ?? 1) < options.CurrentValue.FleetMaxDeliveries)
        {
            await message.NakAsync(delay: RetryAfter, cancellationToken: cancellationToken);
        }
        else
        {
            LogGaveUp(logger, eventId, options.CurrentValue.FleetMaxDeliveries);
            await message.AckTerminateAsync(cancellationToken: cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet events: reading stream {Stream}")]
    private static partial void LogReading(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fleet events: not reading yet; trying again shortly")]
    private static partial void LogNotReading(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fleet events: a message on {Subject} is no fleet event; dropped")]
    private static partial void LogUnreadable(ILogger logger, string subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fleet event {EventId} failed {Deliveries} deliveries; left to ops as a dead letter")]
    private static partial void LogGaveUp(ILogger logger, string eventId, int deliveries);
}
