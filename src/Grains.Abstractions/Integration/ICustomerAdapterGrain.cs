namespace CaaS.Grains.Abstractions.Integration;

/// <summary>Customer Management (CUS-1). The only code that calls it.</summary>
public interface ICustomerAdapterGrain : IGrainWithIntegerKey
{
    Task<CustomerProfile> GetCustomerAsync(string customerId);
}

[GenerateSerializer, Alias("caas.kyc-status")]
public enum KycStatus
{
    Pending = 0,
    Verified = 1,
    Rejected = 2,
}

[GenerateSerializer, Immutable, Alias("caas.customer-profile")]
public sealed record CustomerProfile(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] KycStatus KycStatus,
    [property: Id(2)] bool DrivingLicenseValid,
    [property: Id(3)] int CreditScore);
