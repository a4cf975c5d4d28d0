using System.Collections.Concurrent;
using System.Text.Json;
using CaaS.Sandbox.Webhooks;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// Stripe's events to the platform: stamped with the account's API version, which is older than
/// Stripe.net's by default (<see cref="DefaultAccountApiVersion"/>), as a real account created before
/// the library's release is: Stripe renders events in the account's version, never the library's
/// (docs.stripe.com/upgrades, docs.stripe.com/webhooks/versioning). Sandbox:Stripe:ApiVersion (or its older
/// name Sandbox:Stripe:AccountApiVersion) pins another,
/// signed with the webhook secret, delivered at least once: a non-2xx answer is retried three times in
/// all, 1 s then 5 s apart, in the background as Stripe does. Every event is also kept for
/// <c>GET /v1/events</c>, 30 days, whether its webhook reached the platform or was lost.
/// </summary>
public sealed class StripeEvents(WebhookDispatcher webhooks, TimeProvider time, IHostApplicationLifetime lifetime, IConfiguration configuration,
    ILogger<StripeEvents> logger)
{
    /// <summary>The account's version unless configured: older than Stripe.net's, so version tolerance is always exercised.</summary>
    public const string DefaultAccountApiVersion = "2024-06-20";

    /// <summary>How long Stripe lists an event (docs.stripe.com/api/events/list: "going back up to 30 days").</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private readonly ConcurrentDictionary<string, bool> _delivered = new(StringComparer.Ordinal);

    /// <summary>False while the sandbox plays webhooks that never arrive (an endpoint disabled, a network cut): events are still listed.</summary>
    public bool WebhooksDelivered { get; set; } = true;

    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly ConcurrentDictionary<string, Sent> _events = new(StringComparer.Ordinal);

    /// <summary>What inspection shows of an event: enough to pick one out and resend it out of order.</summary>
    public sealed record Sent(long Sequence, string Id, string Type, string PaymentIntent, long Created, string Json);

    private long _sequence;

    public sealed record EventWire(string Id, string Object, string ApiVersion, long Created, bool Livemode, int PendingWebhooks, string Type,
        EventData Data, EventRequest Request);

    public sealed record EventData(object Object);

    public sealed record EventRequest(string? Id, string? IdempotencyKey);

    public string Publish(string type, object dataObject, string? idempotencyKey)
    {
        var paymentIntent = dataObject switch
        {
            StripeLedger.PaymentIntent intent => intent.Id,
            StripeLedger.Charge charge => charge.PaymentIntent,
            StripeLedger.SetupIntent setup => setup.Id,
            _ => throw new ArgumentException($"The sandbox sends no events about {dataObject.GetType().Name}.", nameof(dataObject)),
        };
        var id = "evt_" + StripeLedger.NewId();
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var apiVersion = configuration["Sandbox:Stripe:ApiVersion"] is { Length: > 0 } pinned ? pinned
            : configuration["Sandbox:Stripe:AccountApiVersion"] is { Length: > 0 } named ? named
            : DefaultAccountApiVersion;
        var json = JsonSerializer.Serialize(new EventWire(id, "event", apiVersion, created, false, 1, type,
            new EventData(dataObject), new EventRequest("req_" + StripeLedger.NewId()[..14], idempotencyKey)), StripeLedger.Json);
        _events[id] = new Sent(Interlocked.Increment(ref _sequence), id, type, paymentIntent, created, json);
        Deliver(id, json);
        return id;
    }

    /// <summary>What <c>GET /v1/events</c> lists: kept no longer than Stripe keeps them, oldest first.</summary>
    public IReadOnlyList<(Sent Event, bool Delivered)> Listable()
    {
        var oldest = (time.GetUtcNow() - Retention).ToUnixTimeSeconds();
        return [.. _events.Values.Where(sent => sent.Created >= oldest).OrderBy(sent => sent.Sequence)
            .Select(sent => (sent, _delivered.GetValueOrDefault(sent.Id)))];
    }

    /// <summary>Oldest first, optionally only those about one PaymentIntent.</summary>
    public IReadOnlyList<Sent> About(string? paymentIntent) =>
        [.. _events.Values.Where(sent => paymentIntent is null || sent.PaymentIntent == paymentIntent).OrderBy(sent => sent.Sequence)];

    public bool Resend(string eventId)
    {
        if (!_events.TryGetValue(eventId, out var sent))
        {
            return false;
        }

        Deliver(eventId, sent.Json);
        return true;
    }

    private void Deliver(string id, string json)
    {
        if (webhooks.PlatformUrl("/") is null)
        {
            return;
        }

        if (!WebhooksDelivered)
        {
            logger.LogInformation("Stripe event {EventId} is not delivered: the sandbox loses webhooks now", id);
            return;
        }

        _ = Task.Run(async () =>
        {
            var stopping = lifetime.ApplicationStopping;
            for (var attempt = 0; ; attempt++)
            {
                var status = await webhooks.SendStripeAsync(id, json, stopping);
                if (status is >= 200 and < 300)
                {
                    _delivered[id] = true;
                }
                if (status is >= 200 and < 300 || attempt == RetryDelays.Length || stopping.IsCancellationRequested)
                {
                    if (status is < 200 or >= 300)
                    {
                        logger.LogWarning("Stripe event {EventId} was not accepted after {Attempts} attempts (last status {Status})", id, attempt + 1, status);
                    }

                    return;
                }

                try
                {
                    await Task.Delay(RetryDelays[attempt], time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }
}
