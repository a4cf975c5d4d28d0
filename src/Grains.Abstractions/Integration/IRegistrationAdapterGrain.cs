namespace CaaS.Grains.Abstractions.Integration;

/// <summary>The country registration bodies (REG-1, REG-2): the authority is chosen by country.</summary>
public interface IRegistrationAdapterGrain : IGrainWithIntegerKey
{
    [ResponseTimeout(AdapterTimeouts.Registration)]
    Task<VehicleRegistration> RegisterAsync(RegisterVehicle command);
}

[GenerateSerializer, Immutable, Alias("caas.register-vehicle")]
public sealed record RegisterVehicle(
    [property: Id(0)] string Country,
    [property: Id(1)] string Vin,
    [property: Id(2)] string Model,
    [property: Id(3)] string OwnerId,
    [property: Id(4)] string IdempotencyKey);

[GenerateSerializer, Immutable, Alias("caas.vehicle-registration")]
public sealed record VehicleRegistration(
    [property: Id(0)] string RegistrationId,
    [property: Id(1)] string Vin,
    [property: Id(2)] string Country,
    [property: Id(3)] string PlateNumber,
    [property: Id(4)] DateTimeOffset RegisteredAt);
