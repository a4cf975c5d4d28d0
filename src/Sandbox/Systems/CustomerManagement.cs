namespace CaaS.Sandbox.Systems;

/// <summary>Customer Management (CUS-1): every id is a verified customer except the three seeded exceptions.</summary>
public static class CustomerManagement
{
    public sealed record CustomerStatus(string CustomerId, string KycStatus, bool DrivingLicenseValid, int CreditScore);

    public static CustomerStatus StatusOf(string customerId) => customerId switch
    {
        "cust-kyc-pending" => new CustomerStatus(customerId, "PENDING", true, 720),
        "cust-kyc-rejected" => new CustomerStatus(customerId, "REJECTED", true, 720),
        "cust-license-invalid" => new CustomerStatus(customerId, "VERIFIED", false, 720),
        "cust-low-credit" => new CustomerStatus(customerId, "VERIFIED", true, 480),
        _ => new CustomerStatus(customerId, "VERIFIED", true, 720),
    };

    public static IEndpointRouteBuilder MapCustomerManagement(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/customers").RequireApiKey("Customer")
            .MapGet("/{customerId}", (string customerId) => Results.Ok(StatusOf(customerId)));
        return endpoints;
    }
}
