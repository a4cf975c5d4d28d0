using System.Collections.Concurrent;
using CaaS.Grains.Abstractions.Events;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace CaaS.Bench.Scenarios;

/// <summary>
/// Issue 14's measure of ANA-2: a demand forecaster's own durable JetStream consumer of
/// <c>caas.bookings.&gt;</c>, outside the platform, timing each <c>caas.booking.created</c> from the
/// moment the reservation recorded it (the CloudEvent's <c>time</c>) to the moment it is delivered here.
/// </summary>
public sealed class OutsideBookingReader : IAsyncDisposable
{
    private readonly NatsConnection _nats;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<double> _latenciesMs = new();
    private Task _reading = Task.CompletedTask;

    private OutsideBookingReader(string url) => _nats = new NatsConnection(NatsOpts.Default with { Url = url, Name = "bench-forecaster" });

    public int Received => _latenciesMs.Count;

    /// <summary>Reads from now on; the stream exists once the platform published its first event.</summary>
    public static async Task<OutsideBookingReader> StartAsync(string url)
    {
        var reader = new OutsideBookingReader(url);
        var consumer = await new NatsJSContext(reader._nats).CreateOrUpdateConsumerAsync(EventSubjects.Stream, new ConsumerConfig("bench-forecaster")
        {
            FilterSubject = EventSubjects.Bookings,
            DeliverPolicy = ConsumerConfigDeliverPolicy.New,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
        });
        reader._reading = Task.Run(() => reader.ReadAsync(consumer));
        return reader;
    }

    /// <summary>Stops once delivery has gone quiet (what was published while measured has arrived), within a deadline.</summary>
    public async Task<Latency> StopAsync(TimeSpan quietFor, TimeSpan deadline)
    {
        var until = DateTimeOffset.UtcNow + deadline;
        var seen = -1;
        while (DateTimeOffset.UtcNow < until && Received != seen)
        {
            seen = Received;
            await Task.Delay(quietFor);
        }

        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }

        var sorted = _latenciesMs.Order().ToArray();
        return new Latency(Percentiles.Of(sorted, 0.50), Percentiles.Of(sorted, 0.95), Percentiles.Of(sorted, 0.99), sorted.Length == 0 ? 0 : sorted[^1]);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _nats.DisposeAsync();
        _stop.Dispose();
    }

    private async Task ReadAsync(INatsJSConsumer consumer)
    {
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: _stop.Token))
        {
            var received = DateTimeOffset.UtcNow;
            var cloudEvent = CloudEventJson.Parse(message.Data ?? [], message.Subject);
            if (cloudEvent.Type == EventSubjects.Booking.TypeOf("created"))
            {
                _latenciesMs.Enqueue((received - cloudEvent.Time).TotalMilliseconds);
            }

            await message.AckAsync(cancellationToken: _stop.Token);
        }
    }
}
