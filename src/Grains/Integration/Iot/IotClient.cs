using System.Net.Http.Json;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;

namespace CaaS.Grains.Integration.Iot;

/// <summary>API IoT over HTTP (IOT-1, IOT-2); the signing handler in its pipeline adds IOT-6.</summary>
public sealed class IotClient(HttpClient http)
{
    public async Task<string> ConfigureAsync(string vin, string command, IReadOnlyDictionary<string, string> parameters,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/iot/vehicles/{Uri.EscapeDataString(vin)}/configure")
        {
            Content = JsonContent.Create(new { command, parameters }, options: ExternalCall.Json),
        };
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Iot, request, cancellationToken);
        return (await ExternalCall.ReadAsync<AcceptedWire>(response, ExternalSystem.Iot, cancellationToken)).CommandId;
    }

    public async Task<IotVehicleStatus> GetStatusAsync(string vin, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/iot/vehicles/{Uri.EscapeDataString(vin)}/status");
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Iot, request, cancellationToken);
        var wire = await ExternalCall.ReadAsync<StatusWire>(response, ExternalSystem.Iot, cancellationToken);
        return new IotVehicleStatus(
            wire.Vin,
            wire.LastContact,
            new VehicleTelemetry(wire.Telemetry.OdometerKm, wire.Telemetry.EnergyPercent, wire.Telemetry.Latitude, wire.Telemetry.Longitude, wire.Telemetry.Locked),
            (wire.Commands ?? []).Select(command => new IotCommandState(command.CommandId, command.Command, command.Status, command.UpdatedAt)).ToArray());
    }

    private sealed record AcceptedWire(string CommandId, string Status);

    private sealed record StatusWire(string Vin, DateTimeOffset LastContact, TelemetryWire Telemetry, List<CommandWire>? Commands);

    private sealed record TelemetryWire(double OdometerKm, int EnergyPercent, double Latitude, double Longitude, bool Locked);

    private sealed record CommandWire(string CommandId, string Command, string Status, DateTimeOffset UpdatedAt);
}
