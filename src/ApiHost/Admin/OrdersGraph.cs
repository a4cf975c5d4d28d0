using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Services;
using GraphQL;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

/// <summary>Orders: factory orders and the human decisions on them (FAC-1, REG-1, REG-2), service purchases and their OTA commands.</summary>
internal static class OrdersGraph
{
    public static void AddOrderQueries(this ObjectGraphType query)
    {
        query.Field<FactoryOrderType>("factoryOrder").Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IFactoryOrderGrain>(context.GetArgument<string>("id")).GetAsync());
        query.Field<ServicePurchaseType>("servicePurchase").Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IServicePurchaseGrain>(context.GetArgument<string>("id")).GetAsync());
        query.Field<OtaCommandType>("otaCommand").Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IOtaCommandGrain>(context.GetArgument<string>("id")).GetAsync());
    }

    public static void AddOrderMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<FactoryOrderType>>("retryFactoryOrder")
            .Description("FAC-1, REG-1: the human decision to try a failed placement or registration again.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<StringGraphType>("reason", argument => argument.DefaultValue = "retried by ops")
            .ResolveAsync(async context => await context.Grains().GetGrain<IFactoryOrderGrain>(context.GetArgument<string>("id")).RetryAsync(context.Cause()));
        mutation.Field<NonNullGraphType<FactoryOrderType>>("abandonFactoryOrder")
            .Description("The other human decision: give a failed order up.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<NonNullGraphType<StringGraphType>>("reason")
            .ResolveAsync(async context => await context.Grains().GetGrain<IFactoryOrderGrain>(context.GetArgument<string>("id")).AbandonAsync(context.Cause()));
        mutation.Field<NonNullGraphType<FactoryOrderType>>("deliverFactoryOrder")
            .Description("REG-2: hand a registered vehicle over to its customer.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<StringGraphType>("reason", argument => argument.DefaultValue = "handed over to the customer")
            .ResolveAsync(async context => await context.Grains().GetGrain<IFactoryOrderGrain>(context.GetArgument<string>("id")).DeliverAsync(context.Cause()));
    }
}

public sealed class FactoryOrderType : ObjectGraphType<FactoryOrderView>
{
    public FactoryOrderType()
    {
        Name = "FactoryOrder";
        Field(order => order.OrderId);
        Field(order => order.CustomerId);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field<NonNullGraphType<StringGraphType>>("model").Resolve(context => context.Source.Spec.Model);
        Field<NonNullGraphType<StringGraphType>>("trim").Resolve(context => context.Source.Spec.Trim);
        Field<NonNullGraphType<StringGraphType>>("color").Resolve(context => context.Source.Spec.Color);
        Field<NonNullGraphType<StringGraphType>>("country").Resolve(context => context.Source.Spec.Country);
        Field(order => order.FactoryOrderId, nullable: true);
        Field(order => order.EstimatedCompletionDate, nullable: true);
        Field(order => order.Vin, nullable: true);
        Field<StringGraphType>("plateNumber").Resolve(context => context.Source.Registration?.PlateNumber);
        Field(order => order.LastError, nullable: true);
        Field(order => order.CreatedAt);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransitionType>>>>("history").Resolve(context => context.Source.History);
        ObligationType.AddTo<FactoryOrderView, IFactoryOrderGrain>(this, order => order.OrderId);
    }
}

public sealed class ServicePurchaseType : ObjectGraphType<ServicePurchaseView>
{
    public ServicePurchaseType()
    {
        Name = "ServicePurchase";
        Field(purchase => purchase.PurchaseId);
        Field(purchase => purchase.CustomerId);
        Field(purchase => purchase.Vin);
        Field(purchase => purchase.ServiceCode);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field(purchase => purchase.Charged);
        Field(purchase => purchase.Attempts);
        Field<MoneyType>("price").Resolve(context => context.Source.Price);
        Field(purchase => purchase.Settlement, nullable: true);
        Field(purchase => purchase.ErrorCode, nullable: true);
        Field(purchase => purchase.ErrorMessage, nullable: true);
        Field(purchase => purchase.CreatedAt);
        Field<NonNullGraphType<StringGraphType>>("otaCommandId").Resolve(context => ServicePurchases.OtaCommandIdOf(context.Source.PurchaseId));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransitionType>>>>("history").Resolve(context => context.Source.History);
        ObligationType.AddTo<ServicePurchaseView, IServicePurchaseGrain>(this, purchase => purchase.PurchaseId);
    }
}

public sealed class OtaAttemptType : ObjectGraphType<OtaAttempt>
{
    public OtaAttemptType()
    {
        Name = "OtaAttempt";
        Field(attempt => attempt.Number);
        Field(attempt => attempt.ScheduledAt);
        Field(attempt => attempt.StartedAt);
        Field(attempt => attempt.Deadline);
        Field(attempt => attempt.IotCommandId, nullable: true);
        Field(attempt => attempt.Outcome, nullable: true);
    }
}

public sealed class OtaCommandType : ObjectGraphType<OtaCommandView>
{
    public OtaCommandType()
    {
        Name = "OtaCommand";
        Field(command => command.CommandId);
        Field<NonNullGraphType<StringGraphType>>("vin").Resolve(context => context.Source.Request.Vin);
        Field<NonNullGraphType<StringGraphType>>("command").Resolve(context => context.Source.Request.Command);
        Field<NonNullGraphType<StringGraphType>>("purchaseId").Resolve(context => context.Source.Request.PurchaseId);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OtaAttemptType>>>>("attempts").Resolve(context => context.Source.Attempts);
        Field(command => command.NextAttemptAt, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransitionType>>>>("history").Resolve(context => context.Source.History);
    }
}
