using System.Diagnostics;
using CaaS.ApiHost.Endpoints;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

/// <summary>The operators' API (ADM-1..5, WH-6), role ops, at POST /graphql.</summary>
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
        Field<NonNullGraphType<PageType<ActiveRentalType, FlowMoved>>>("activeRentals")
            .Description("ADM-1: rentals under way (unlocked, or returned and not yet settled), oldest start first.")
            .Paged()
            .ResolveAsync(async context =>
            {
                var active = (await FlowIndex.ListAsync(context.Grains(), FlowKinds.Rental))
                    .Where(flow => flow.State is nameof(ReservationStatus.Active) or nameof(ReservationStatus.ReturnPending));
                return context.Page(active, flow => flow.StartsAt ?? flow.MovedAt, flow => flow.FlowId);
            });
        Field<RentalType>("rental").Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IReservationGrain>(context.GetArgument<string>("id")).InspectAsync());
        Field<VehicleType>("vehicle").Argument<NonNullGraphType<StringGraphType>>("vin")
            .ResolveAsync(async context => await context.Grains().GetGrain<IVehicleGrain>(Vin.Normalize(context.GetArgument<string>("vin"))).GetAsync());
        Field<FactoryOrderType>("factoryOrder").Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IFactoryOrderGrain>(context.GetArgument<string>("id")).GetAsync());
        Field<ServicePurchaseType>("servicePurchase").Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IServicePurchaseGrain>(context.GetArgument<string>("id")).GetAsync());
        Field<OtaCommandType>("otaCommand").Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IOtaCommandGrain>(context.GetArgument<string>("id")).GetAsync());
        Field<NonNullGraphType<RevenueReportType>>("revenueReport")
            .Description($"ADM-4: money captured, refunded and fined per UTC day and kind, from and to included (at most {RevenueReport.MaxDays} days).")
            .Argument<NonNullGraphType<DateOnlyGraphType>>("from")
            .Argument<NonNullGraphType<DateOnlyGraphType>>("to")
            .Argument<StringGraphType>("currency", argument => argument.DefaultValue = "EUR")
            .ResolveAsync(async context =>
            {
                var from = context.GetArgument<DateOnly>("from");
                var to = context.GetArgument<DateOnly>("to");
                if (to < from || to.DayNumber - from.DayNumber >= RevenueReport.MaxDays)
                {
                    throw AdminErrors.Invalid($"from must not be after to, and the report covers at most {RevenueReport.MaxDays} days.");
                }

                return await ReadModels.RevenueAsync(context.Grains(), from, to, context.GetArgument<string>("currency"));
            });
        Field<NonNullGraphType<ReconciliationReportType>>("reconciliation")
            .Description("Issue 7: every disagreement between the flows and what Stripe holds (PaymentIntents created in [from, before), all when omitted, and every open flow), and timeslots held by dead reservations. Reads only.")
            .Argument<DateTimeOffsetGraphType>("from")
            .Argument<DateTimeOffsetGraphType>("before")
            .ResolveAsync(async context =>
            {
                var from = context.GetArgument<DateTimeOffset?>("from");
                var before = context.GetArgument<DateTimeOffset?>("before");
                if (from >= before)
                {
                    throw AdminErrors.Invalid("from must be before before.");
                }

                return await context.Grains().GetGrain<IReconcilerGrain>(0).RunAsync(from, before);
            });
        OpsList("opsAlerts", OpsItemKind.Alert, "ADM-5: alerts the flows raised for operators.");
        OpsList("supportTickets", OpsItemKind.SupportTicket, "ADM-5: tickets for customer support.");
        OpsList("riskItems", OpsItemKind.RiskItem, "PAY-6: money the platform assumed and did not get.");
        Field<NonNullGraphType<PageType<DeadLetterType, OpsItem>>>("deadLetters")
            .Description("WH-6: webhooks and events that failed processing, oldest first.")
            .Argument<BooleanGraphType>("includeResolved", argument => argument.DefaultValue = false)
            .Paged()
            .ResolveAsync(async context => context.Page(await OpsItemsAsync(context, OpsItemKind.DeadLetter), item => item.RaisedAt, item => item.Id));
        Field<NonNullGraphType<StuckFlowsType>>("stuckFlows")
            .Description("Unfinished flows that have not moved for longer than olderThanSeconds, past any wait they announced; longest stuck first.")
            .Argument<IntGraphType>("olderThanSeconds", argument => argument.DefaultValue = 3600)
            .Argument<StringGraphType>("kind", argument => argument.Description = string.Join(", ", FlowKinds.All))
            .Paged()
            .ResolveAsync(async context =>
            {
                var threshold = context.GetArgument<int>("olderThanSeconds");
                var kind = context.GetArgument<string?>("kind");
                if (threshold < 0 || (kind is not null && !FlowKinds.All.Contains(kind)))
                {
                    throw AdminErrors.Invalid($"olderThanSeconds must not be negative; kind is one of {string.Join(", ", FlowKinds.All)}.");
                }

                var now = context.RequestServices!.GetRequiredService<TimeProvider>().GetUtcNow();
                var stuck = await FlowIndex.StuckAsync(context.Grains(), kind, now, TimeSpan.FromSeconds(threshold));
                var groups = stuck.GroupBy(flow => (flow.Kind, flow.State))
                    .Select(group => new StuckGroup(group.Key.Kind, group.Key.State, group.Count(), group.Min(flow => flow.MovedAt)))
                    .OrderBy(group => group.Kind, StringComparer.Ordinal).ThenBy(group => group.State, StringComparer.Ordinal)
                    .ToList();
                return new StuckFlows(threshold, groups, context.Page(stuck, flow => flow.ExpectedMoveBy, flow => $"{flow.Kind}/{flow.FlowId}"));
            });
    }

    private void OpsList(string name, OpsItemKind kind, string description) =>
        Field<NonNullGraphType<PageType<OpsItemType, OpsItem>>>(name)
            .Description(description + " Oldest first; resolved ones only when asked for.")
            .Argument<BooleanGraphType>("includeResolved", argument => argument.DefaultValue = false)
            .Paged()
            .ResolveAsync(async context => context.Page(await OpsItemsAsync(context, kind), item => item.RaisedAt, item => item.Id));

    private static async Task<IEnumerable<OpsItem>> OpsItemsAsync(IResolveFieldContext context, OpsItemKind kind)
    {
        var includeResolved = context.GetArgument<bool>("includeResolved");
        var items = await context.Grains().GetGrain<IOpsGrain>(0).ListAsync(kind);
        return items.Where(item => includeResolved || item.Status != OpsItemStatus.Resolved);
    }
}

public sealed class AdminMutation : ObjectGraphType
{
    public const int MaxReasonLength = 500;
    public const long MaxFineAdjustment = 1_000_000;

    public AdminMutation()
    {
        Name = "Mutation";
        Field<NonNullGraphType<RentalType>>("overrideReturnVerification")
            .Description("ADM-2: approve (capture as for a verified return) or refuse (the rental is Active again) a return waiting for verification.")
            .Argument<NonNullGraphType<StringGraphType>>("rentalId")
            .Argument<NonNullGraphType<BooleanGraphType>>("approved")
            .Argument<NonNullGraphType<StringGraphType>>("reason")
            .ResolveAsync(async context => await context.Grains().GetGrain<IReservationGrain>(context.GetArgument<string>("rentalId"))
                .OverrideReturnVerificationAsync(context.GetArgument<bool>("approved"), context.Cause()));
        Field<NonNullGraphType<RentalType>>("adjustFine")
            .Description("ADM-3: adds a fine (positive amount) or takes part of the fines back (negative), in minor units; after the final capture a reduction is refunded.")
            .Argument<NonNullGraphType<StringGraphType>>("rentalId")
            .Argument<NonNullGraphType<LongGraphType>>("amount")
            .Argument<NonNullGraphType<StringGraphType>>("reason")
            .Argument<StringGraphType>("currency", argument => argument.DefaultValue = "EUR")
            .ResolveAsync(async context =>
            {
                var amount = context.GetArgument<long>("amount");
                var currency = context.GetArgument<string>("currency");
                if (amount == 0 || Math.Abs(amount) > MaxFineAdjustment || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
                {
                    throw AdminErrors.Invalid($"amount is a non-zero number of minor units up to {MaxFineAdjustment} either way; currency is an ISO 4217 code.");
                }

                return await context.Grains().GetGrain<IReservationGrain>(context.GetArgument<string>("rentalId"))
                    .AdjustFineAsync(new Money(amount, currency), context.Cause());
            });
        Field<NonNullGraphType<FactoryOrderType>>("retryFactoryOrder")
            .Description("FAC-1, REG-1: the human decision to try a failed placement or registration again.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<StringGraphType>("reason", argument => argument.DefaultValue = "retried by ops")
            .ResolveAsync(async context => await context.Grains().GetGrain<IFactoryOrderGrain>(context.GetArgument<string>("id")).RetryAsync(context.Cause()));
        Field<NonNullGraphType<FactoryOrderType>>("abandonFactoryOrder")
            .Description("The other human decision: give a failed order up.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<NonNullGraphType<StringGraphType>>("reason")
            .ResolveAsync(async context => await context.Grains().GetGrain<IFactoryOrderGrain>(context.GetArgument<string>("id")).AbandonAsync(context.Cause()));
        Field<NonNullGraphType<FactoryOrderType>>("deliverFactoryOrder")
            .Description("REG-2: hand a registered vehicle over to its customer.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<StringGraphType>("reason", argument => argument.DefaultValue = "handed over to the customer")
            .ResolveAsync(async context => await context.Grains().GetGrain<IFactoryOrderGrain>(context.GetArgument<string>("id")).DeliverAsync(context.Cause()));
        Field<NonNullGraphType<DeadLetterReplayType>>("replayDeadLetter")
            .Description("WH-6: process a dead letter again through the same path (still once at most); resolved when it goes through.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context =>
            {
                var id = context.GetArgument<string>("id");
                var ops = context.Grains().GetGrain<IOpsGrain>(0);
                if (DeadLetterData.InboxKeyOf(id) is not { } inboxKey || await ops.GetAsync(id) is not { Kind: OpsItemKind.DeadLetter })
                {
                    throw new DomainException(ErrorCodes.NotFound, $"Dead letter {id} was not found.");
                }

                var outcome = await context.Grains().GetGrain<IWebhookInboxGrain>(inboxKey).ReplayAsync();
                var item = outcome == InboxOutcome.Failed
                    ? (await ops.GetAsync(id))!
                    : await ops.ResolveAsync(id, context.Actor(), outcome == InboxOutcome.Processed ? "replayed and processed" : "found processed already");
                return new DeadLetterReplay(outcome.ToString(), item);
            });
        Field<NonNullGraphType<OpsItemType>>("acknowledgeOpsItem")
            .Description("Someone is on it (alerts, tickets, risk items, dead letters alike).")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IOpsGrain>(0).AcknowledgeAsync(context.GetArgument<string>("id"), context.Actor()));
        Field<NonNullGraphType<OpsItemType>>("resolveOpsItem")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<NonNullGraphType<StringGraphType>>("resolution")
            .ResolveAsync(async context => await context.Grains().GetGrain<IOpsGrain>(0).ResolveAsync(
                context.GetArgument<string>("id"), context.Actor(), AdminErrors.Text(context.GetArgument<string>("resolution"), "resolution")));
    }
}

/// <summary>What every resolver needs: the grains, the operator, paging.</summary>
internal static class ResolverContext
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static IGrainFactory Grains(this IResolveFieldContext context) => context.RequestServices!.GetRequiredService<IGrainFactory>();

    /// <summary>The operator's subject: who did it, in the flow's history (ADM-2, ADM-3).</summary>
    public static string Actor(this IResolveFieldContext context) =>
        context.User?.Identity?.Name ?? throw new DomainException(ErrorCodes.Unauthenticated, "The token names no subject.");

    public static TransitionCause Cause(this IResolveFieldContext context) =>
        new(AdminErrors.Text(context.GetArgument<string>("reason"), "reason"), context.Actor(), Activity.Current?.TraceId.ToString());

    public static FieldBuilder<TSource, TReturn> Paged<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field) => field
        .Argument<IntGraphType>("first", argument => { argument.DefaultValue = DefaultPageSize; argument.Description = $"1 to {MaxPageSize}"; })
        .Argument<StringGraphType>("after", argument => argument.Description = "The nextCursor of the page before.");

    public static Page<T> Page<T>(this IResolveFieldContext context, IEnumerable<T> items, Func<T, DateTimeOffset> at, Func<T, string> id)
    {
        var first = context.GetArgument<int>("first");
        var cursor = context.GetArgument<string?>("after");
        var after = cursor is null ? null : KeysetCursor.Parse(cursor);
        if (first is < 1 or > MaxPageSize || (cursor is not null && after is null))
        {
            throw AdminErrors.Invalid($"first is 1 to {MaxPageSize}; after is a nextCursor this API issued.");
        }

        var all = items.ToList();
        var (page, next) = KeysetCursor.Page(all, at, id, first, after);
        return new Page<T>(page, next, all.Count);
    }
}

internal static class AdminErrors
{
    public static ExecutionError Invalid(string message) => new(message) { Code = ErrorCodes.ValidationFailed };

    public static string Text(string value, string name) =>
        string.IsNullOrWhiteSpace(value) || value.Length > AdminMutation.MaxReasonLength
            ? throw Invalid($"{name} is required, at most {AdminMutation.MaxReasonLength} characters.")
            : value.Trim();
}

/// <summary>The read models behind the lists: the flow index and the revenue days, never the flow grains themselves.</summary>
internal static class ReadModels
{
    public static async Task<RevenueReport> RevenueAsync(IGrainFactory grains, DateOnly from, DateOnly to, string currency)
    {
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(offset => RevenueStreams.DayKey(from.AddDays(offset)));
        var movements = await Task.WhenAll(days.Select(day => grains.GetGrain<IRevenueDayGrain>(day).ListAsync()));
        return RevenueReport.Build(from, to, currency, movements.SelectMany(day => day));
    }
}
