using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;

namespace CaaS.Grains.Integration.Customer;

/// <summary>Customer Management over HTTP (CUS-1): `GET /customers/{id}`, API key in the client's headers.</summary>
public sealed class CustomerClient(HttpClient http)
{
    public async Task<CustomerProfile> GetAsync(string customerId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"customers/{Uri.EscapeDataString(customerId)}");
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Customer, request, cancellationToken);
        var wire = await ExternalCall.ReadAsync<CustomerWire>(response, ExternalSystem.Customer, cancellationToken);
        return new CustomerProfile(wire.CustomerId ?? customerId, ParseKyc(wire.KycStatus), wire.DrivingLicenseValid, wire.CreditScore);
    }

    private static KycStatus ParseKyc(string? status) => status?.ToUpperInvariant() switch
    {
        "VERIFIED" => KycStatus.Verified,
        "REJECTED" => KycStatus.Rejected,
        "PENDING" => KycStatus.Pending,
        _ => throw new DependencyUnavailableException(ExternalSystem.Customer, $"unknown kycStatus '{status}'"),
    };

    private sealed record CustomerWire(string? CustomerId, string? KycStatus, bool DrivingLicenseValid, int CreditScore);
}
