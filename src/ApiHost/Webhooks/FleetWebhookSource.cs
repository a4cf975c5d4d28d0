using System.Text.Json;
using CaaS.Grains.Abstractions;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost.Webhooks;

/// <summary>Fleet Management's events (FLT-1, FLT-2): a vehicle's status, or maintenance it scheduled.</summary>
public sealed class FleetWebhookSource(IOptionsMonitor<WebhookOptions> options) : StandardWebhookSource(options)
{
    public const string SourceName = "fleet";

    /// <summary>The statuses Fleet Management sends, by their exact names.</summary>
    private static readonly Dictionary<string, VehicleStatus> Statuses = Enum.GetValues<VehicleStatus>()
        .Where(status => status != VehicleStatus.Unknown).ToDictionary(status => status.ToString(), StringComparer.Ordinal);

    public override string Name => SourceName;

    protected override string Shape =>
        "A fleet event is {eventId, type, vin, occurredAt} with status (VehicleStatusChanged) or from before to (MaintenanceScheduled).";

    public override WebhookMessage? Parse(string body)
    {
        EventWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<EventWire>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }

        if (wire is not { EventId.Length: > 0 and <= WebhookOptions.MaxMessageIdLength, Vin: { } vin, OccurredAt: { } occurredAt }
            || string.IsNullOrWhiteSpace(wire.EventId) || !Vin.IsValid(vin))
        {
            return null;
        }

        return wire.Type switch
        {
            "VehicleStatusChanged" when Statuses.TryGetValue(wire.Status ?? "", out var status) =>
                new FleetStatusChanged(wire.EventId, Vin.Normalize(vin), status, occurredAt),
            "MaintenanceScheduled" when wire is { From: { } from, To: { } to } && from < to =>
                new FleetMaintenanceScheduled(wire.EventId, Vin.Normalize(vin), from, to, occurredAt),
            _ => null,
        };
    }

    private sealed record EventWire(string? EventId, string? Type, string? Vin, DateTimeOffset? OccurredAt, string? Status, DateTimeOffset? From, DateTimeOffset? To);
}
