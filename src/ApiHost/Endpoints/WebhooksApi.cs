using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Hosting;
using Stripe;

namespace CaaS.ApiHost.Endpoints;

/// <summary>
/// WH-1..7 for Stripe, Fleet Management and the Factory: the signature and its timestamp are verified before
/// anything is read, the source address must be allowed, each source is rate limited, and the
/// answer comes only after the inbox grain has durably applied the message.
/// </summary>
public static class WebhooksApi
{
    public const string Stripe = "stripe";
    public const string Fleet = "fleet";
    public const string Factory = "factory";
    public const int MaxBodyBytes = 256 * 1024;
    public const int MaxMessageIdLength = 200;
    private const string NotJson = "A webhook body is JSON, sent as application/json.";

    public static IServiceCollection AddCaasWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        var perMinute = configuration.GetValue("Webhooks:RateLimitPerMinute", 100);
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // WH-5: one window per source, whatever address it sends from.
            limiter.AddPolicy("webhooks", context => RateLimitPartition.GetFixedWindowLimiter(
                context.Request.Path.Value ?? "", _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/webhooks/payment/settlement", StripeAsync).RequireRateLimiting("webhooks");
        endpoints.MapPost("/events/fleet", FleetAsync).RequireRateLimiting("webhooks");
        endpoints.MapPost("/webhooks/factory/status", FactoryAsync).RequireRateLimiting("webhooks");
        return endpoints;
    }

    private static async Task<IResult> StripeAsync(HttpContext http, IGrainFactory grains, IConfiguration configuration, TimeProvider time)
    {
        if (Refused(http, Stripe, configuration) is { } refused)
        {
            return refused;
        }

        var body = await ReadAsync(http);
        if (body is null)
        {
            return Problems.For(ErrorCodes.ValidationFailed, $"A webhook body is at most {MaxBodyBytes} bytes.");
        }

        var secret = configuration["Integrations:Stripe:WebhookSecret"] ?? throw new InvalidOperationException("Integrations:Stripe:WebhookSecret is not configured.");
        try
        {
            // PAY-8: Stripe's own scheme, 300 s tolerance either way. The signature first: who sent it decides 401 before what it says decides 400.
            EventUtility.ValidateSignature(body, http.Request.Headers["Stripe-Signature"].ToString(), secret);
        }
        catch (StripeException invalid)
        {
            return Problems.For(ErrorCodes.Unauthenticated, $"Stripe signature refused: {invalid.Message}");
        }

        if (!http.Request.HasJsonContentType())
        {
            return Problems.For(ErrorCodes.ValidationFailed, NotJson);
        }

        // SEC-4: a signed body that is not an event is malformed, not a server error. Its shape is checked here, since
        // Stripe.net reads leniently (no id, no data.object) or throws whatever its JSON reader throws; the event id is
        // the inbox key (WH-3), so without one every such event would be the same message.
        if (!IsStripeEventShape(body))
        {
            return Problems.For(ErrorCodes.ValidationFailed,
                $"A Stripe event is a JSON object \"event\" with an id (at most {MaxMessageIdLength} characters), created and data.object.");
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(body);
        }
        catch (Exception malformed) when (malformed is Newtonsoft.Json.JsonException or JsonException or StripeException or ArgumentException
            or FormatException or InvalidCastException or InvalidOperationException)
        {
            return Problems.For(ErrorCodes.ValidationFailed, $"Not a Stripe event: {malformed.Message}");
        }

        var (intentId, metadata, failure) = stripeEvent.Data.Object switch
        {
            PaymentIntent intent => (intent.Id, intent.Metadata, intent.LastPaymentError?.Message),
            Charge charge => (charge.PaymentIntentId, charge.Metadata, charge.FailureMessage),
            _ => (null, null, null),
        };
        if (intentId is null)
        {
            // An event type this platform does not act on: acknowledged so Stripe stops sending it.
            return Results.Ok(new { status = "ignored" });
        }

        var message = new StripePaymentMessage(new PaymentEvent(stripeEvent.Id, stripeEvent.Type, intentId, stripeEvent.Created, failure, KindOf(stripeEvent.Type)),
            metadata?.GetValueOrDefault(PaymentMetadata.ReservationId), metadata?.GetValueOrDefault(PaymentMetadata.PurchaseId));
        return await DeliverAsync(grains, new InboundWebhook(Stripe, stripeEvent.Id, body, Headers(http, "Stripe-Signature"), time.GetUtcNow(), message));
    }

    private static Task<IResult> FleetAsync(HttpContext http, IGrainFactory grains, IConfiguration configuration, TimeProvider time) =>
        StandardWebhookAsync(http, grains, configuration, time, Fleet, "Integrations:Fleet:WebhookSecret", ParseFleetEvent,
            "A fleet event is {eventId, type, vin, occurredAt} with status (VehicleStatusChanged) or from before to (MaintenanceScheduled).");

    private static Task<IResult> FactoryAsync(HttpContext http, IGrainFactory grains, IConfiguration configuration, TimeProvider time) =>
        StandardWebhookAsync(http, grains, configuration, time, Factory, "Integrations:Factory:WebhookSecret", ParseFactoryStatus,
            "A Factory status is {orderId, reference, status, occurredAt} with status PLACED, MANUFACTURING, DELAYED or READY (READY with a vin).");

    /// <summary>The Fleet and the Factory sign alike (Standard Webhooks, WH-1, WH-2): one intake for both.</summary>
    private static async Task<IResult> StandardWebhookAsync(HttpContext http, IGrainFactory grains, IConfiguration configuration, TimeProvider time,
        string source, string secretSetting, Func<string, WebhookMessage?> parse, string shape)
    {
        if (Refused(http, source, configuration) is { } refused)
        {
            return refused;
        }

        var body = await ReadAsync(http);
        if (body is null)
        {
            return Problems.For(ErrorCodes.ValidationFailed, $"A webhook body is at most {MaxBodyBytes} bytes.");
        }

        var headers = http.Request.Headers;
        var check = StandardWebhooks.Verify(configuration[secretSetting] ?? throw new InvalidOperationException($"{secretSetting} is not configured."),
            headers[StandardWebhooks.IdHeader], headers[StandardWebhooks.TimestampHeader], headers[StandardWebhooks.SignatureHeader], body, time.GetUtcNow());
        if (check != SignatureCheck.Valid)
        {
            return Problems.For(ErrorCodes.Unauthenticated, $"Webhook signature refused: {check}.");
        }

        // SEC-4: the message id is the inbox key (WH-3), so a blank or endless one is malformed; so is a body that is not sent as JSON.
        if (headers[StandardWebhooks.IdHeader].ToString() is var messageId && (string.IsNullOrWhiteSpace(messageId) || messageId.Length > MaxMessageIdLength))
        {
            return Problems.For(ErrorCodes.ValidationFailed, $"{StandardWebhooks.IdHeader} is 1 to {MaxMessageIdLength} characters.");
        }

        if (!http.Request.HasJsonContentType())
        {
            return Problems.For(ErrorCodes.ValidationFailed, NotJson);
        }

        if (parse(body) is not { } message)
        {
            return Problems.For(ErrorCodes.ValidationFailed, shape);
        }

        return await DeliverAsync(grains, new InboundWebhook(source, messageId, body,
            Headers(http, StandardWebhooks.IdHeader, StandardWebhooks.TimestampHeader, StandardWebhooks.SignatureHeader), time.GetUtcNow(), message));
    }

    private static bool IsStripeEventShape(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("object", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "event"
                && root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(id.GetString()) && id.GetString()!.Length <= MaxMessageIdLength
                && root.TryGetProperty("created", out var created) && created.ValueKind == JsonValueKind.Number && created.TryGetInt64(out _)
                && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("object", out var item) && item.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static WebhookMessage? ParseFactoryStatus(string body)
    {
        FactoryStatusWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<FactoryStatusWire>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }

        if (wire is not { OrderId.Length: > 0 and <= 200, Reference.Length: > 0 and <= 200, Status: { } status, OccurredAt: { } occurredAt }
            || string.IsNullOrWhiteSpace(wire.OrderId) || string.IsNullOrWhiteSpace(wire.Reference) || !FactoryStatuses.IsKnown(status) || (wire.Vin is { } vin && !Vin.IsValid(vin)) || (status == FactoryStatuses.Ready && wire.Vin is null))
        {
            return null;
        }

        return new FactoryStatusReported(wire.Reference, new FactoryStatusUpdate("webhook", wire.OrderId, status, wire.Vin is null ? null : Vin.Normalize(wire.Vin),
            wire.EstimatedCompletionDate, occurredAt));
    }

    /// <summary>The statuses Fleet Management sends, by their exact names.</summary>
    private static readonly Dictionary<string, VehicleStatus> FleetStatuses = Enum.GetValues<VehicleStatus>()
        .Where(status => status != VehicleStatus.Unknown).ToDictionary(status => status.ToString(), StringComparer.Ordinal);

    public static WebhookMessage? ParseFleetEvent(string body)
    {
        FleetEventWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<FleetEventWire>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }

        if (wire is not { EventId.Length: > 0 and <= 200, Vin: { } vin, OccurredAt: { } occurredAt } || string.IsNullOrWhiteSpace(wire.EventId) || !Vin.IsValid(vin))
        {
            return null;
        }

        return wire.Type switch
        {
            "VehicleStatusChanged" when FleetStatuses.TryGetValue(wire.Status ?? "", out var status) =>
                new FleetStatusChanged(wire.EventId, Vin.Normalize(vin), status, occurredAt),
            "MaintenanceScheduled" when wire is { From: { } from, To: { } to } && from < to =>
                new FleetMaintenanceScheduled(wire.EventId, Vin.Normalize(vin), from, to, occurredAt),
            _ => null,
        };
    }

    private static async Task<IResult> DeliverAsync(IGrainFactory grains, InboundWebhook webhook)
    {
        var outcome = await grains.GetGrain<IWebhookInboxGrain>($"{webhook.Source}:{webhook.MessageId}").ProcessAsync(webhook);
        return outcome switch
        {
            InboxOutcome.Processed => Results.Ok(new { status = "processed" }),
            InboxOutcome.Duplicate => Results.Ok(new { status = "duplicate" }),
            // Kept as a dead letter; the error makes an at-least-once sender try again.
            _ => Problems.For(ErrorCodes.DependencyUnavailable, "The message could not be processed now; it is kept and will be retried."),
        };
    }

    /// <summary>WH-4: Webhooks:Sources:&lt;source&gt;:AllowedNetworks, CIDR ranges; loopback when none are configured.</summary>
    private static IResult? Refused(HttpContext http, string source, IConfiguration configuration)
    {
        var allowed = configuration.GetSection($"Webhooks:Sources:{source}:AllowedNetworks").Get<string[]>() ?? ["127.0.0.0/8", "::1/128"];
        var remote = http.Connection.RemoteIpAddress;
        if (remote is { IsIPv4MappedToIPv6: true })
        {
            remote = remote.MapToIPv4();
        }

        return remote is not null && allowed.Any(network => IPNetwork.TryParse(network, out var range) && range.Contains(remote))
            ? null
            : Problems.For(ErrorCodes.Forbidden, $"{remote} may not send {source} webhooks.");
    }

    private static async Task<string?> ReadAsync(HttpContext http)
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var reader = new StreamReader(http.Request.Body);
        var buffer = new char[MaxBodyBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, http.RequestAborted);
        return read > MaxBodyBytes ? null : new string(buffer, 0, read);
    }

    private static Dictionary<string, string> Headers(HttpContext http, params string[] names) =>
        names.ToDictionary(name => name, name => http.Request.Headers[name].ToString());

    private sealed record FactoryStatusWire(string? OrderId, string? Reference, string? Status, string? Vin, DateTimeOffset? EstimatedCompletionDate, DateTimeOffset? OccurredAt);

    private sealed record FleetEventWire(string? EventId, string? Type, string? Vin, DateTimeOffset? OccurredAt, string? Status, DateTimeOffset? From, DateTimeOffset? To);

    private static PaymentEventKind KindOf(string stripeType) => stripeType switch
    {
        "payment_intent.succeeded" => PaymentEventKind.Succeeded,
        "payment_intent.payment_failed" => PaymentEventKind.Failed,
        "payment_intent.canceled" => PaymentEventKind.Canceled,
        _ => PaymentEventKind.Other,
    };
}
