using CaaS.Grains.Abstractions.Integration;
using Stripe;

namespace CaaS.Grains.Integration.Payments;

/// <summary>Stripe Customers and SetupIntents: the saved card (PAY-10) and an erasure's deletion (SEC-7).</summary>
public sealed partial class StripePaymentClient
{
    public async Task<string> CreateCustomerAsync(string customerId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var customer = await CallAsync(stripe => stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Description = $"CaaS customer {customerId}",
            Metadata = new Dictionary<string, string> { ["customerId"] = customerId },
        }, Idempotent(idempotencyKey), cancellationToken));
        return customer.Id;
    }

    public async Task<SetupRecord> SetUpAsync(SetUpPayment command, CancellationToken cancellationToken = default) =>
        ToRecord(await CallAsync(stripe => stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = command.StripeCustomerId,
            PaymentMethod = command.PaymentMethodId,
            Confirm = true,
            Usage = "off_session",
            Metadata = new Dictionary<string, string>(command.Metadata),
        }, Idempotent(command.IdempotencyKey), cancellationToken)));

    public async Task<SetupRecord> GetSetupAsync(string setupIntentId, CancellationToken cancellationToken = default) =>
        ToRecord(await CallAsync(stripe => stripe.V1.SetupIntents.GetAsync(setupIntentId, cancellationToken: cancellationToken)));

    public async Task<IReadOnlyList<string>> DeleteCustomersAsync(string customerId, IReadOnlyList<string> known, CancellationToken cancellationToken = default)
    {
        var query = $"metadata['{PaymentMetadata.CustomerId}']:'{customerId}'";
        var named = await CallAsync(stripe => stripe.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = query }, cancellationToken: cancellationToken));
        var paidFor = await CallAsync(stripe => stripe.V1.PaymentIntents.SearchAsync(new PaymentIntentSearchOptions { Query = query }, cancellationToken: cancellationToken));
        var deleted = new List<string>();
        foreach (var id in known.Concat(named.Data.Select(customer => customer.Id)).Concat(paidFor.Data.Select(intent => intent.CustomerId)).OfType<string>()
            .Distinct(StringComparer.Ordinal))
        {
            try
            {
                await CallAsync(stripe => stripe.V1.Customers.DeleteAsync(id, cancellationToken: cancellationToken));
                deleted.Add(id);
            }
            catch (DependencyRejectedException missing) when (missing.StatusCode == 404)
            {
                // Deleted before (a PaymentIntent keeps naming its Customer): nothing left to erase there.
            }
        }

        return deleted;
    }
}
