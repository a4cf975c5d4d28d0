using System.Diagnostics;
using CaaS.ApiHost.Endpoints;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Operations;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

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

// The output types every area shares. Statuses are strings with the contract's names (Confirmed,
// PlacementFailed, ...), not GraphQL enums, so operators read the same words everywhere.

public sealed class MoneyType : ObjectGraphType<Money>
{
    public MoneyType()
    {
        Name = "Money";
        Description = "An amount in minor units and its ISO 4217 currency.";
        Field(money => money.Amount);
        Field(money => money.Currency);
    }
}

public sealed class TransitionType : ObjectGraphType<TransitionRecord>
{
    public TransitionType()
    {
        Name = "Transition";
        Description = "One entry of a flow's history (ADM-5): a move (kind Moved), or a change that leaves the flow in its state (from and to both name it).";
        Field(transition => transition.At);
        Field(transition => transition.From);
        Field(transition => transition.To);
        Field(transition => transition.Cause);
        Field(transition => transition.TraceId, nullable: true);
        Field(transition => transition.Actor, nullable: true);
        Field<NonNullGraphType<StringGraphType>>("kind")
            .Description("Moved, FineAdjusted, Refunded, Recharged, MaintenanceFlagged, Captured, SettlementConfirmed, SettlementFailed or ReturnApproved.")
            .Resolve(context => context.Source.Kind.ToString());
        Field<NonNullGraphType<LongGraphType>>("sequence").Description("The entry's number within its flow, from 1 (0 for entries recorded before numbering).")
            .Resolve(context => context.Source.Sequence);
    }
}

public sealed class ObligationType : ObjectGraphType<Obligation>
{
    public ObligationType()
    {
        Name = "Obligation";
        Description = "Something a flow still owes the world; the flow's guard works on it until it is done. A notification's content is not shown.";
        Field<NonNullGraphType<StringGraphType>>("kind")
            .Description("Void, Capture, Refund, Notify, Register, FinishOrAbandon, StartActivation, FollowFactory, Attempt or TellOwner.")
            .Resolve(context => context.Source.Kind.ToString());
        Field(obligation => obligation.Key);
        Field(obligation => obligation.DueAt, nullable: true);
        Field<MoneyType>("amount").Resolve(context => context.Source.Amount);
    }

    /// <summary>The field every flow type has: asked of the flow's grain only when a query selects it.</summary>
    public static void AddTo<TSource, TGrain>(ObjectGraphType<TSource> type, Func<TSource, string> idOf)
        where TGrain : IFlowGrain =>
        type.Field<NonNullGraphType<ListGraphType<NonNullGraphType<ObligationType>>>>("owed")
            .Description("What the flow still owes (empty once it has nothing left to do).")
            .ResolveAsync(async context => await context.Grains().GetGrain<TGrain>(idOf(context.Source)).OwedAsync());
}

public sealed class KeyValueType : ObjectGraphType<KeyValuePair<string, string>>
{
    public KeyValueType()
    {
        Name = "KeyValue";
        Field<NonNullGraphType<StringGraphType>>("key").Resolve(context => context.Source.Key);
        Field<NonNullGraphType<StringGraphType>>("value").Resolve(context => context.Source.Value);
    }
}

/// <summary>A page of a list, in a stable order, with the cursor that continues it.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor, int TotalCount);

public sealed class PageType<TItemType, T> : ObjectGraphType<Page<T>>
    where TItemType : IGraphType
{
    public PageType()
    {
        Name = typeof(TItemType).Name.Replace("Type", "", StringComparison.Ordinal) + "Page";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TItemType>>>>("items").Resolve(context => context.Source.Items);
        Field(page => page.NextCursor, nullable: true).Description("Pass as `after` for the next page; null on the last page.");
        Field(page => page.TotalCount);
    }
}
