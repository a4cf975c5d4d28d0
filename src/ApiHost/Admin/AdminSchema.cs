using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

/// <summary>
/// The operators' API (ADM-1..5, WH-6), role ops, at POST /graphql. Each area adds its fields and
/// types from a file of its own: rentals, orders (factory orders, service purchases, OTA), ops items
/// and stuck flows, money (revenue, reconciliation).
/// </summary>
public sealed class AdminSchema : Schema
{
    public AdminSchema(IServiceProvider services, AdminQuery query, AdminMutation mutation) : base(services)
    {
        Query = query;
        Mutation = mutation;
    }
}

public sealed class AdminQuery : ObjectGraphType
{
    public AdminQuery()
    {
        Name = "Query";
        this.AddRentalQueries();
        this.AddOrderQueries();
        this.AddMoneyQueries();
        this.AddOpsQueries();
        this.AddIntegrationQueries();
    }
}

public sealed class AdminMutation : ObjectGraphType
{
    public const int MaxReasonLength = 500;
    public const long MaxFineAdjustment = 1_000_000;

    public AdminMutation()
    {
        Name = "Mutation";
        this.AddRentalMutations();
        this.AddOrderMutations();
        this.AddOpsMutations();
        this.AddCustomerMutations();
    }
}
