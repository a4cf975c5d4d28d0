using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Abstractions;

/// <summary>A customer, keyed by customerId: the 24 h status cache of CUS-2 and the eligibility rule of CUS-4.</summary>
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>
    /// The status, from the cache while it is younger than 24 h, otherwise from Customer Management.
    /// Throws a <see cref="DomainException"/> with CUSTOMER_VERIFICATION_UNAVAILABLE when the service
    /// cannot answer and nothing fresh is cached (CUS-3).
    /// </summary>
    Task<CustomerStatusView> GetStatusAsync();

    /// <summary>
    /// PAY-10: the customer's Stripe Customer, which keeps every card a booking saves; created at the
    /// first booking (idempotently, so a retry after a lost answer finds the same one) and remembered.
    /// A failure to reach Stripe is thrown as the payment adapter threw it.
    /// </summary>
    [ResponseTimeout(AdapterTimeouts.Payment)]
    Task<string> StripeCustomerAsync();
}

[GenerateSerializer, Immutable, Alias("caas.customer-status-view")]
public sealed record CustomerStatusView(
    [property: Id(0)] CustomerProfile Profile,
    [property: Id(1)] DateTimeOffset FetchedAt,
    [property: Id(2)] bool FromCache);

[GenerateSerializer, Alias("caas.customer-state")]
public sealed class CustomerState
{
    [Id(0)] public CustomerProfile? Profile { get; set; }
    [Id(1)] public DateTimeOffset? FetchedAt { get; set; }
    [Id(2)] public string? StripeCustomerId { get; set; }
}
