namespace CaaS.Grains.Abstractions.Integration;

/// <summary>The Factory (FAC-1, FAC-4). Placement is never retried automatically (RES).</summary>
public interface IFactoryAdapterGrain : IGrainWithIntegerKey
{
    /// <summary><paramref name="reference"/> is the platform's order id; the Factory answers a repeat with the same order.</summary>
    [ResponseTimeout(AdapterTimeouts.Factory)]
    Task<FactoryOrderPlacement> PlaceOrderAsync(string reference, VehicleSpec spec);

    [ResponseTimeout(AdapterTimeouts.Factory)]
    Task<FactoryOrderReport> GetOrderAsync(string factoryOrderId);
}

[GenerateSerializer, Immutable, Alias("caas.vehicle-spec")]
public sealed record VehicleSpec(
    [property: Id(0)] string Model,
    [property: Id(1)] string Trim,
    [property: Id(2)] string Color,
    [property: Id(3)] string Country);

[GenerateSerializer, Immutable, Alias("caas.factory-order-placement")]
public sealed record FactoryOrderPlacement(
    [property: Id(0)] string FactoryOrderId,
    [property: Id(1)] DateTimeOffset EstimatedCompletionDate);

[GenerateSerializer, Immutable, Alias("caas.factory-order-report")]
public sealed record FactoryOrderReport(
    [property: Id(0)] string FactoryOrderId,
    [property: Id(1)] string? Reference,
    [property: Id(2)] string Status,
    [property: Id(3)] string? Vin,
    [property: Id(4)] DateTimeOffset? EstimatedCompletionDate,
    [property: Id(5)] DateTimeOffset UpdatedAt);
