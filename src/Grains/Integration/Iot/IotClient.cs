using System.Net.Http.Json;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;

namespace CaaS.Grains.Integration.Iot;

/// <summary>
/// API IoT over HTTP (IOT-1, IOT-2); the signing handler in its pipeline adds IOT-6. Every request
/// names its vehicle and its path to the pipeline, so the breaker step can tell a car that cannot be
/// reached from API IoT failing, and polls spend the poller's budget rather than the commands'.
/// </summary>
public sealed class IotClient(HttpClient http)
{
    public async Task<string> ConfigureAsync(string vin, string command, IReadOnlyDictionary<string, string> parameters,
        CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Post, $"api/iot/vehicles/{Uri.EscapeDataString(vin)}/configure", vin, IotPath.Commands);
        request.Content = JsonContent.Create(new { command, parameters }, options: ExternalCall.Json);
        using var response = await SendAsync(request, vin, cancellationToken);
        return (await ExternalCall.ReadAsync<AcceptedWire>(response, ExternalSystem.Iot, cancellationToken)).CommandId;
    }

    /// <summary>A vehicle's status for a command's owner (the OTA grain following its attempt): the commands' budget.</summary>
    public Task<IotVehicleStatus> GetStatusAsync(string vin, CancellationToken cancellationToken = default) =>
        GetStatusAsync(vin, IotPath.Commands, cancellationToken);

    /// <summary>A vehicle's status for the fleet poller (IOT-7): the poller's own budget.</summary>
    public Task<IotVehicleStatus> PollStatusAsync(string vin, CancellationToken cancellationToken = default) =>
        GetStatusAsync(vin, IotPath.Polling, cancellationToken);

    private async Task<IotVehicleStatus> GetStatusAsync(string vin, IotPath path, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"api/iot/vehicles/{Uri.EscapeDataString(vin)}/status", vin, path);
        using var response = await SendAsync(request, vin, cancellationToken);
        var wire = await ExternalCall.ReadAsync<StatusWire>(response, ExternalSystem.Iot, cancellationToken);
        return new IotVehicleStatus(
            wire.Vin,
            wire.LastContact,
            new VehicleTelemetry(wire.Telemetry.OdometerKm, wire.Telemetry.EnergyPercent, wire.Telemetry.Latitude, wire.Telemetry.Longitude, wire.Telemetry.Locked),
            (wire.Commands ?? []).Select(command => new IotCommandState(command.CommandId, command.Command, command.Status, command.UpdatedAt)).ToArray());
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string vin, IotPath budget)
    {
        var request = new HttpRequestMessage(method, path);
        request.Options.Set(IotRequest.Vin, vin);
        request.Options.Set(IotRequest.Path, budget);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string vin, CancellationToken cancellationToken)
    {
        try
        {
            return await ExternalCall.SendAsync(http, ExternalSystem.Iot, request, cancellationToken);
        }
        catch (IntegrationException failure) when (failure is not DependencyRejectedException
            && request.Options.TryGetValue(IotRequest.VehicleScoped, out var scoped) && scoped)
        {
            throw new VehicleUnreachableException(ExternalSystem.Iot, vin,
                $"API IoT could not reach vehicle {vin} while it answers for others ({failure.Message})");
        }
    }

    private sealed record AcceptedWire(string CommandId, string Status);

    private sealed record StatusWire(string Vin, DateTimeOffset LastContact, TelemetryWire Telemetry, List<CommandWire>? Commands);

    private sealed record TelemetryWire(double OdometerKm, int EnergyPercent, double Latitude, double Longitude, bool Locked);

    private sealed record CommandWire(string CommandId, string Command, string Status, DateTimeOffset UpdatedAt);
}
