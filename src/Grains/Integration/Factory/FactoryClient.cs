using System.Net.Http.Json;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;

namespace CaaS.Grains.Integration.Factory;

/// <summary>The Factory's order API (FAC-1, FAC-4): API key in the headers, mTLS when configured (FAC-6).</summary>
public sealed class FactoryClient(HttpClient http)
{
    public async Task<FactoryOrderPlacement> PlaceAsync(string reference, VehicleSpec spec, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/orders")
        {
            Content = JsonContent.Create(new { vehicleSpec = spec, reference }, options: ExternalCall.Json),
        };
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Factory, request, cancellationToken);
        var wire = await ExternalCall.ReadAsync<PlacementWire>(response, ExternalSystem.Factory, cancellationToken);
        return new FactoryOrderPlacement(wire.OrderId, wire.EstimatedCompletionDate);
    }

    public async Task<FactoryOrderReport> GetAsync(string factoryOrderId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/orders/{Uri.EscapeDataString(factoryOrderId)}");
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Factory, request, cancellationToken);
        var wire = await ExternalCall.ReadAsync<OrderWire>(response, ExternalSystem.Factory, cancellationToken);
        return new FactoryOrderReport(wire.OrderId, wire.Reference, wire.Status, wire.Vin, wire.EstimatedCompletionDate, wire.UpdatedAt);
    }

    private sealed record PlacementWire(string OrderId, DateTimeOffset EstimatedCompletionDate);

    private sealed record OrderWire(string OrderId, string? Reference, string Status, string? Vin,
        DateTimeOffset? EstimatedCompletionDate, DateTimeOffset UpdatedAt);
}
