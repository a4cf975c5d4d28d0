using CaaS.Grains.Abstractions.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace CaaS.Grains.Events;

/// <summary>
/// The log on NATS JetStream (issue 14): stream <see cref="EventSubjects.Stream"/> on file storage,
/// holding <c>caas.&gt;</c> for <see cref="EventsOptions.Retention"/>, duplicates dropped within
/// <see cref="EventsOptions.DuplicateWindow"/> by message id. Read models are durable pull consumers
/// acknowledging each event explicitly once its batch is written. Not AckPolicy All: after a reader
/// dies with a batch unacknowledged, the next reader is given later events first, and acknowledging
/// those would acknowledge the dead reader's too, which nobody applied (the chaos suite lost bookings so).
/// </summary>
public sealed partial class JetStreamEventLog : IEventLog, IAsyncDisposable
{
    private readonly IOptionsMonitor<EventsOptions> _options;
    private readonly ILogger<JetStreamEventLog> _logger;
    private readonly NatsConnection _connection;
    private readonly NatsJSContext _jetStream;
    private readonly SemaphoreSlim _setUp = new(1, 1);
    private readonly Dictionary<string, INatsJSConsumer> _consumers = [];
    private readonly Dictionary<string, List<(long Position, INatsJSMsg<byte[]> Message)>> _delivered = [];
    private readonly Lock _gate = new();
    private bool _streamReady;

    public JetStreamEventLog(IOptionsMonitor<EventsOptions> options, ILogger<JetStreamEventLog> logger)
    {
        _options = options;
        _logger = logger;
        _connection = Connect(options.CurrentValue.Nats, "caas-silo");
        _jetStream = new NatsJSContext(_connection);
    }

    public NatsJSContext JetStream => _jetStream;

    public static NatsConnection Connect(NatsOptions nats, string name) => new(NatsOpts.Default with
    {
        Url = nats.Url!,
        Name = name,
        AuthOpts = string.IsNullOrEmpty(nats.User) ? NatsAuthOpts.Default : NatsAuthOpts.Default with { Username = nats.User, Password = nats.Password },
    });

    public async Task PublishAsync(IReadOnlyList<CaaSEvent> events, CancellationToken cancellationToken = default, bool resend = false)
    {
        await EnsureStreamAsync(cancellationToken);
        // One after the other: the log's order per entity is the order of the acknowledgements.
        foreach (var cloudEvent in events)
        {
            var headers = new NatsHeaders { ["Content-Type"] = CloudEventJson.ContentType };
            var ack = await _jetStream.PublishAsync(cloudEvent.Subject, CloudEventJson.Format(cloudEvent),
                opts: new NatsJSPubOpts { MsgId = resend ? $"{cloudEvent.Id}#resent-{Guid.NewGuid():N}" : cloudEvent.Id }, headers: headers, cancellationToken: cancellationToken);
            if (ack.Error is { } error)
            {
                throw new NatsJSApiException(error);
            }
        }
    }

    public async Task<IReadOnlyList<LoggedEvent>> FetchAsync(string consumer, string filter, int max, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var durable = await ConsumerAsync(consumer, filter, cancellationToken);
        var fetched = new List<LoggedEvent>();
        var messages = new List<(long Position, INatsJSMsg<byte[]> Message)>();
        await foreach (var message in durable.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = max, Expires = AtLeastASecond(wait) }, cancellationToken: cancellationToken))
        {
            var position = (long)message.Metadata!.Value.Sequence.Stream;
            fetched.Add(new LoggedEvent(position, CloudEventJson.Parse(message.Data ?? [], message.Subject)));
            messages.Add((position, message));
        }

        lock (_gate)
        {
            _delivered[consumer] = messages;
        }

        return fetched;
    }

    public async Task AckAsync(string consumer, long position, CancellationToken cancellationToken = default)
    {
        List<(long Position, INatsJSMsg<byte[]> Message)> batch;
        lock (_gate)
        {
            if (!_delivered.TryGetValue(consumer, out var delivered) || delivered.Count == 0 || delivered[^1].Position != position)
            {
                throw new InvalidOperationException($"Consumer {consumer} was not last given position {position}: a fetched batch is acknowledged through its newest event.");
            }

            batch = delivered;
            _delivered.Remove(consumer);
        }

        foreach (var (_, message) in batch)
        {
            await message.AckAsync(cancellationToken: cancellationToken);
        }
    }

    public async Task ResetAsync(string consumer, string filter, CancellationToken cancellationToken = default)
    {
        await EnsureStreamAsync(cancellationToken);
        lock (_gate)
        {
            _consumers.Remove(consumer);
            _delivered.Remove(consumer);
        }

        try
        {
            await _jetStream.DeleteConsumerAsync(EventSubjects.Stream, DurableName(consumer), cancellationToken);
        }
        catch (NatsJSApiException missing) when (missing.Error.Code == 404)
        {
            // Never created, or already gone: starting over is what was asked.
        }
    }

    public async Task<EventPage> ReadAsync(string filter, long after, int max, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        await EnsureStreamAsync(cancellationToken);
        // An ephemeral consumer per read: readers keep their own place, and the server forgets it after.
        // Named: nats-server 2.9 refuses an unnamed consumer with a filter through the create subject the client uses.
        var reader = await _jetStream.CreateOrUpdateConsumerAsync(EventSubjects.Stream, new ConsumerConfig("reader-" + Guid.NewGuid().ToString("N"))
        {
            FilterSubject = filter,
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = (ulong)after + 1,
            AckPolicy = ConsumerConfigAckPolicy.None,
            InactiveThreshold = TimeSpan.FromSeconds(30),
        }, cancellationToken);
        var events = new List<LoggedEvent>();
        try
        {
            await foreach (var message in reader.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = max, Expires = AtLeastASecond(wait) }, cancellationToken: cancellationToken))
            {
                events.Add(new LoggedEvent((long)message.Metadata!.Value.Sequence.Stream, CloudEventJson.Parse(message.Data ?? [], message.Subject)));
                if (events.Count >= max)
                {
                    break;
                }
            }
        }
        finally
        {
            await _jetStream.DeleteConsumerAsync(EventSubjects.Stream, reader.Info.Name, CancellationToken.None);
        }

        return new EventPage(events, await HeadAsync(cancellationToken));
    }

    public async Task<long> HeadAsync(CancellationToken cancellationToken = default)
    {
        await EnsureStreamAsync(cancellationToken);
        var stream = await _jetStream.GetStreamAsync(EventSubjects.Stream, cancellationToken: cancellationToken);
        return (long)stream.Info.State.LastSeq;
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _setUp.Dispose();
    }

    private static TimeSpan AtLeastASecond(TimeSpan wait) => wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;

    private static string DurableName(string consumer) => "caas-" + consumer;

    private async Task<INatsJSConsumer> ConsumerAsync(string consumer, string filter, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_consumers.TryGetValue(consumer, out var known))
            {
                return known;
            }
        }

        await EnsureStreamAsync(cancellationToken);
        var options = _options.CurrentValue;
        var created = await _jetStream.CreateOrUpdateConsumerAsync(EventSubjects.Stream, new ConsumerConfig(DurableName(consumer))
        {
            FilterSubject = filter,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = options.AckWait,
            // A batch is acknowledged at its end, so a whole batch is pending at once, and a dead reader's besides.
            MaxAckPending = options.ConsumerBatch * 2,
        }, cancellationToken);
        lock (_gate)
        {
            _consumers[consumer] = created;
        }

        return created;
    }

    private async Task EnsureStreamAsync(CancellationToken cancellationToken)
    {
        if (_streamReady)
        {
            return;
        }

        await _setUp.WaitAsync(cancellationToken);
        try
        {
            if (_streamReady)
            {
                return;
            }

            var options = _options.CurrentValue;
            await _jetStream.CreateOrUpdateStreamAsync(new StreamConfig(EventSubjects.Stream, [EventSubjects.All])
            {
                Storage = StreamConfigStorage.File,
                DuplicateWindow = options.DuplicateWindow,
                MaxAge = options.Retention,
            }, cancellationToken);
            _streamReady = true;
            LogStreamReady(_logger, EventSubjects.Stream, options.Retention);
        }
        finally
        {
            _setUp.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event log: JetStream stream {Stream} ready, events kept {Retention}")]
    private static partial void LogStreamReady(ILogger logger, string stream, TimeSpan retention);
}
