using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Customer Management could not verify {CustomerId} and no status younger than 24 h is cached")]
    private partial void LogUnavailable(Exception exception, string customerId);
}
