using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace CaaS.Sandbox.Systems;

/// <summary>
/// Fleet Management's Pub/Sub (FLT-1..3, issue 14 point 6), played on JetStream: with
/// <c>Sandbox:Nats:Url</c> set, Fleet Management owns a stream <c>FLEET</c> holding
/// <c>fleet.events.&gt;</c> and publishes each event there, on <c>fleet.events.&lt;vin&gt;</c>, instead
/// of calling the platform's webhook. Without it, events go as webhooks.
/// </summary>
public sealed class FleetEventStream(IConfiguration configuration) : IAsyncDisposable
{
    public const string Stream = "FLEET";
    private readonly SemaphoreSlim _setUp = new(1, 1);
    private NatsConnection? _connection;
    private NatsJSContext? _jetStream;

    public bool Enabled => !string.IsNullOrWhiteSpace(configuration["Sandbox:Nats:Url"]);

    /// <summary>Publishes one copy of the event; a duplicate is published again as a duplicate delivery would be.</summary>
    public async Task PublishAsync(string vin, string body, CancellationToken cancellationToken)
    {
        var jetStream = await JetStreamAsync(cancellationToken);
        var ack = await jetStream.PublishAsync($"fleet.events.{vin}", System.Text.Encoding.UTF8.GetBytes(body), cancellationToken: cancellationToken);
        ack.EnsureSuccess();
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _setUp.Dispose();
    }

    private async Task<NatsJSContext> JetStreamAsync(CancellationToken cancellationToken)
    {
        if (_jetStream is { } ready)
        {
            return ready;
        }

        await _setUp.WaitAsync(cancellationToken);
        try
        {
            if (_jetStream is null)
            {
                _connection = new NatsConnection(NatsOpts.Default with { Url = configuration["Sandbox:Nats:Url"]!, Name = "sandbox-fleet" });
                var jetStream = new NatsJSContext(_connection);
                await jetStream.CreateOrUpdateStreamAsync(new StreamConfig(Stream, ["fleet.events.>"]) { Storage = StreamConfigStorage.File }, cancellationToken);
                _jetStream = jetStream;
            }

            return _jetStream;
        }
        finally
        {
            _setUp.Release();
        }
    }
}
