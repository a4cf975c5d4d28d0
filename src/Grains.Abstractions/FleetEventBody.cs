using System.Text.Json;

namespace CaaS.Grains.Abstractions;

/// <summary>
/// The body of a Fleet Management event (FLT-1, FLT-2), the same whichever way it comes: a signed
/// webhook to <c>POST /events/fleet</c>, or a message on Fleet Management's <c>fleet.events.&gt;</c> stream.
/// </summary>
public static class FleetEventBody
{
    /// <summary>The statuses Fleet Management sends, by their exact names.</summary>
    private static readonly Dictionary<string, VehicleStatus> Statuses = Enum.GetValues<VehicleStatus>()
        .Where(status => status != VehicleStatus.Unknown).ToDictionary(status => status.ToString(), StringComparer.Ordinal);

    public const string Shape =
        "A fleet event is {eventId, type, vin, occurredAt} with status (VehicleStatusChanged) or from before to (MaintenanceScheduled).";

    /// <returns>null when the body is not a fleet event.</returns>
    public static WebhookMessage? Parse(string body)
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

        if (wire is not { EventId.Length: > 0 and <= InboundWebhook.MaxMessageIdLength, Vin: { } vin, OccurredAt: { } occurredAt }
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
