using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Customers;

public sealed partial class CustomerGrain(
    [PersistentState("customer", StorageNames.Grains)] IPersistentState<CustomerState> state,
    TimeProvider time,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain
{
    /// <summary>CUS-2: a status is reused without a call for 24 hours.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromHours(24);

    public async Task<CustomerStatusView> GetStatusAsync()
    {
        var now = time.GetUtcNow();
        if (state.State is { Profile: { } cached, FetchedAt: { } fetchedAt } && now - fetchedAt < CacheLifetime)
        {
            return new CustomerStatusView(cached, fetchedAt, FromCache: true);
        }

        CustomerProfile profile;
        try
        {
            profile = await GrainFactory.GetGrain<ICustomerAdapterGrain>(0).GetCustomerAsync(this.GetPrimaryKeyString());
        }
        catch (IntegrationException failure)
        {
            LogUnavailable(failure, this.GetPrimaryKeyString());
            throw new DomainException(ErrorCodes.CustomerVerificationUnavailable,
                "Customer verification is unavailable right now and no recent verification is on record; please try again shortly.");
        }

        state.State.Profile = profile;
        state.State.FetchedAt = now;
        await state.WriteStateAsync();
        return new CustomerStatusView(profile, now, FromCache: false);
    }

    public async Task<string> StripeCustomerAsync()
    {
        if (state.State.StripeCustomerId is { } known)
        {
            return known;
        }

        var created = await GrainFactory.GetGrain<IPaymentAdapterGrain>(0).CreateCustomerAsync(this.GetPrimaryKeyString(), $"{this.GetPrimaryKeyString()}/stripe-customer");
        state.State.StripeCustomerId = created;
        await state.WriteStateAsync();
        return created;
    }

    /// <summary>
    /// The platform keeps no list of a customer's rentals (it would cost a write per booking): the unfinished
    /// ones are in the flow index, and every rental that got as far as a hold, the only ones holding a return
    /// or a notification, is named by its PaymentIntent's metadata at Stripe.
    /// </summary>
    public async Task<CustomerErasure> EraseAsync(string actor, string reason)
    {
        var customerId = this.GetPrimaryKeyString();
        var payments = GrainFactory.GetGrain<IPaymentAdapterGrain>(0);
        IReadOnlyList<string> reservationIds;
        IReadOnlyList<string> stripeCustomers;
        try
        {
            var unfinished = (await FlowIndex.ListAsync(GrainFactory, FlowKinds.Rental)).Where(flow => flow.CustomerId == customerId).Select(flow => flow.FlowId);
            var held = (await payments.FindByMetadataAsync(PaymentMetadata.CustomerId, customerId))
                .Select(intent => intent.Metadata.GetValueOrDefault(PaymentMetadata.ReservationId)).OfType<string>();
            reservationIds = [.. unfinished.Concat(held).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            stripeCustomers = await payments.DeleteCustomersAsync(customerId, state.State.StripeCustomerId is { } stored ? [stored] : null);
        }
        catch (IntegrationException failure)
        {
            LogErasureDeferred(failure, customerId);
            throw new DomainException(ErrorCodes.DependencyUnavailable,
                "Stripe could not be reached to find and delete what it holds for this customer; nothing was recorded as erased. Erasing again is safe.");
        }

        var erased = (await Task.WhenAll(reservationIds.Select(id => GrainFactory.GetGrain<IReservationGrain>(id).EraseCustomerDataAsync(customerId))))
            .OfType<ReservationErasure>().ToArray();

        var removed = new List<string>();
        if (state.State.Profile is not null)
        {
            removed.Add("cached KYC status (identity verification, driving licence, credit score)");
        }

        removed.AddRange(erased.SelectMany(reservation => reservation.Removed.Select(what => $"{reservation.ReservationId}: {what}")));
        removed.Add(stripeCustomers.Count > 0
            ? $"Stripe Customer(s) {string.Join(", ", stripeCustomers)} deleted at Stripe"
            : "no Stripe Customer: Stripe holds none for this customer (any more)");
        var kept = new List<string> { "the customer id, on the erasure record and on the money records" };
        kept.AddRange(erased.Length == 0 ? [] : erased[0].Kept.Select(what => $"every rental's {what}"));
        kept.Add("PaymentIntents and refunds at Stripe (the money records)");

        var now = time.GetUtcNow();
        state.State.Profile = null;
        state.State.FetchedAt = null;
        // Deleted at Stripe: a later booking makes the customer a new one.
        state.State.StripeCustomerId = null;
        state.State.ErasedAt = now;
        state.State.ErasedBy = actor;
        state.State.ErasureReason = reason;
        state.State.Erasures++;
        await state.WriteStateAsync();
        LogErased(customerId, actor, reason, removed.Count);
        return new CustomerErasure(customerId, now, actor, reason, removed, kept, [.. erased.Select(reservation => reservation.ReservationId)], stripeCustomers,
            state.State.Erasures);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Erasure of customer {CustomerId} deferred: Stripe could not be reached")]
    private partial void LogErasureDeferred(Exception exception, string customerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {CustomerId} erased by {Actor} ({Reason}): {Removed} item(s) removed")]
    private partial void LogErased(string customerId, string actor, string reason, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Customer Management could not verify {CustomerId} and no status younger than 24 h is cached")]
    private partial void LogUnavailable(Exception exception, string customerId);
}
