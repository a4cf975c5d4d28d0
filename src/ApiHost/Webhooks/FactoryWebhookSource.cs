using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Orders;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost.Webhooks;

/// <summary>The Factory's status webhooks (FAC-2): its own order id, the platform's as reference, and READY's vin.</summary>
public sealed class FactoryWebhookSource(IOptionsMonitor<WebhookOptions> options) : StandardWebhookSource(options)
{
    public const string SourceName = "factory";

    public override string Name => SourceName;

    protected override string Shape =>
        "A Factory status is {orderId, reference, status, occurredAt} with status PLACED, MANUFACTURING, DELAYED or READY (READY with a vin).";

    public override WebhookMessage? Parse(string body)
    {
        StatusWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<StatusWire>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }

        if (wire is not { OrderId.Length: > 0 and <= 200, Reference.Length: > 0 and <= 200, Status: { } status, OccurredAt: { } occurredAt }
            || string.IsNullOrWhiteSpace(wire.OrderId) || string.IsNullOrWhiteSpace(wire.Reference) || !FactoryStatuses.IsKnown(status)
            || (wire.Vin is { } vin && !Vin.IsValid(vin)) || (status == FactoryStatuses.Ready && wire.Vin is null))
        {
            return null;
        }

        return new FactoryStatusReported(wire.Reference, new FactoryStatusUpdate("webhook", wire.OrderId, status, wire.Vin is null ? null : Vin.Normalize(wire.Vin),
            wire.EstimatedCompletionDate, occurredAt));
    }

    private sealed record StatusWire(string? OrderId, string? Reference, string? Status, string? Vin, DateTimeOffset? EstimatedCompletionDate, DateTimeOffset? OccurredAt);
}
