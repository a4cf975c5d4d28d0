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

    /// <summary>
    /// SEC-7: removes or anonymises what the platform holds about the customer (the cached KYC, the
    /// positions and photos of their returns, the notifications still owed to them, their Stripe
    /// Customer) and keeps the money records the law requires. Recorded with who asked and why;
    /// erasing again does the same harmless work and answers what is left to say.
    /// </summary>
    [ResponseTimeout("00:03:00")]
    Task<CustomerErasure> EraseAsync(string actor, string reason);
}

/// <summary>What an erasure removed and kept, in words for the operator, and the records it touched.</summary>
/// <param name="StripeCustomersDeleted">Stripe Customer ids deleted now; empty when Stripe held none for this customer.</param>
[GenerateSerializer, Immutable, Alias("caas.customer-erasure")]
public sealed record CustomerErasure(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] DateTimeOffset ErasedAt,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Reason,
    [property: Id(4)] IReadOnlyList<string> Removed,
    [property: Id(5)] IReadOnlyList<string> Kept,
    [property: Id(6)] IReadOnlyList<string> Reservations,
    [property: Id(7)] IReadOnlyList<string> StripeCustomersDeleted,
    [property: Id(8)] int Erasures);

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

    /// <summary>SEC-7: the last erasure, who asked and why; how many were asked for.</summary>
    [Id(3)] public DateTimeOffset? ErasedAt { get; set; }
    [Id(4)] public string? ErasedBy { get; set; }
    [Id(5)] public string? ErasureReason { get; set; }
    [Id(6)] public int Erasures { get; set; }
}
