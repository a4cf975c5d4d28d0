using CaaS.Grains.Abstractions;
using GraphQL;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

/// <summary>SEC-7: a customer's erasure, for operators.</summary>
internal static class CustomersGraph
{
    private const int MaxCustomerIdLength = 200;

    public static void AddCustomerMutations(this ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<CustomerErasureType>>("eraseCustomer")
            .Description("SEC-7: removes or anonymises what the platform holds about a customer (cached KYC, return positions and photos, notifications owed, "
                + "the Stripe Customer) and keeps the money records the law requires; recorded with the operator and the reason. Erasing again is harmless.")
            .Argument<NonNullGraphType<StringGraphType>>("customerId")
            .Argument<NonNullGraphType<StringGraphType>>("reason")
            .ResolveAsync(async context =>
            {
                var customerId = context.GetArgument<string>("customerId");
                if (string.IsNullOrWhiteSpace(customerId) || customerId.Length > MaxCustomerIdLength)
                {
                    throw AdminErrors.Invalid($"customerId is required, at most {MaxCustomerIdLength} characters.");
                }

                var reason = AdminErrors.Text(context.GetArgument<string>("reason"), "reason");
                return await context.Grains().GetGrain<ICustomerGrain>(customerId).EraseAsync(context.Actor(), reason);
            });
}

public sealed class CustomerErasureType : ObjectGraphType<CustomerErasure>
{
    public CustomerErasureType()
    {
        Name = "CustomerErasure";
        Description = "What an erasure removed and what it kept (SEC-7).";
        Field(erasure => erasure.CustomerId);
        Field(erasure => erasure.ErasedAt);
        Field<NonNullGraphType<StringGraphType>>("erasedBy").Resolve(context => context.Source.Actor);
        Field(erasure => erasure.Reason);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("removed").Resolve(context => context.Source.Removed);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("kept").Resolve(context => context.Source.Kept);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("rentalIds")
            .Description("The customer's rentals the erasure went through.").Resolve(context => context.Source.Reservations);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("stripeCustomersDeleted")
            .Description("Stripe Customer ids deleted by this erasure; empty when Stripe held none for this customer.").Resolve(context => context.Source.StripeCustomersDeleted);
        Field<NonNullGraphType<IntGraphType>>("erasures").Description("How many erasures of this customer were asked for, this one included.")
            .Resolve(context => context.Source.Erasures);
    }
}
