using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Customers;

/// <summary>CUS-4: KYC verified, a valid licence, and at least the configured credit score.</summary>
public static class CustomerEligibility
{
    public static void Ensure(CustomerProfile profile, int minimumCreditScore)
    {
        var reason = profile switch
        {
            { KycStatus: not KycStatus.Verified } => "identity verification (KYC) is not complete",
            { DrivingLicenseValid: false } => "the driving licence is not valid",
            _ when profile.CreditScore < minimumCreditScore => "the credit check did not pass",
            _ => null,
        };
        if (reason is not null)
        {
            throw new DomainException(ErrorCodes.CustomerNotEligible, $"The customer cannot rent: {reason}.");
        }
    }
}
