using CaaS.Grains.Abstractions.Operations;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

/// <summary>What the flows raise for people (ADM-5): alerts, tickets, risk items, dead letters (WH-6), and the flows that are stuck.</summary>
internal static class OpsGraph
{
    public static void AddOpsQueries(this ObjectGraphType query)
    {
        query.OpsList("opsAlerts", OpsItemKind.Alert, "ADM-5: alerts the flows raised for operators.");
        query.OpsList("supportTickets", OpsItemKind.SupportTicket, "ADM-5: tickets for customer support.");
        query.OpsList("riskItems", OpsItemKind.RiskItem, "PAY-6: money the platform assumed and did not get.");
        query.Field<NonNullGraphType<PageType<DeadLetterType, OpsItem>>>("deadLetters")
            .Description("WH-6: webhooks and events that failed processing, oldest first.")
            .Resolved()
            .Paged()
            .ResolveAsync(async context => context.Page(await OpsItemsAsync(context, OpsItemKind.DeadLetter), item => item.RaisedAt, item => item.Id));
        query.Field<NonNullGraphType<StuckFlowsType>>("stuckFlows")
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

                var stuck = await context.Grains().GetGrain<IOpsDeskGrain>(0).StuckFlowsAsync(kind, TimeSpan.FromSeconds(threshold));
                return new StuckFlows(threshold, stuck.Groups, context.Page(stuck.Flows, flow => flow.ExpectedMoveBy, flow => $"{flow.Kind}/{flow.FlowId}"));
            });
    }

    /// <summary>The read models that consume the event log (issue 14), by the names their consumers have.</summary>
    private static readonly string[] ReadModels = ["flow-index", "revenue", "booking-days"];

    public static void AddOpsMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<IntGraphType>>("rebuildReadModel")
            .Description("Issue 14: empties a read model (" + string.Join(", ", ReadModels) + ") and fills it again from the retained event log, "
                + "every flow storage holds sending its current state after it; answers how many flows did.")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .ResolveAsync(async context =>
            {
                var name = context.GetArgument<string>("name");
                if (!ReadModels.Contains(name))
                {
                    throw AdminErrors.Invalid($"name is one of {string.Join(", ", ReadModels)}.");
                }

                return await context.Grains().GetGrain<CaaS.Grains.Abstractions.Events.IEventConsumerGrain>(name).RebuildAsync();
            });
        mutation.Field<NonNullGraphType<DeadLetterReplayType>>("replayDeadLetter")
            .Description("WH-6: process a dead letter again through the same path (still once at most); resolved when it goes through.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context =>
                await context.Grains().GetGrain<IOpsDeskGrain>(0).ReplayDeadLetterAsync(context.GetArgument<string>("id"), context.Actor()));
        mutation.Field<NonNullGraphType<OpsItemType>>("acknowledgeOpsItem")
            .Description("Someone is on it (alerts, tickets, risk items, dead letters alike).")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IOpsGrain>(0).AcknowledgeAsync(context.GetArgument<string>("id"), context.Actor()));
        mutation.Field<NonNullGraphType<OpsItemType>>("resolveOpsItem")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<NonNullGraphType<StringGraphType>>("resolution")
            .ResolveAsync(async context => await context.Grains().GetGrain<IOpsGrain>(0).ResolveAsync(
                context.GetArgument<string>("id"), context.Actor(), AdminErrors.Text(context.GetArgument<string>("resolution"), "resolution")));
    }

    private static void OpsList(this ObjectGraphType query, string name, OpsItemKind kind, string description) =>
        query.Field<NonNullGraphType<PageType<OpsItemType, OpsItem>>>(name)
            .Description(description + " Oldest first; resolved ones only when asked for.")
            .Resolved()
            .Paged()
            .ResolveAsync(async context => context.Page(await OpsItemsAsync(context, kind), item => item.RaisedAt, item => item.Id));

    private static FieldBuilder<TSource, TReturn> Resolved<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field) => field
        .Argument<BooleanGraphType>("includeResolved", argument => argument.DefaultValue = false)
        .Argument<DateOnlyGraphType>("resolvedFrom", argument => argument.Description = "With resolvedTo: resolved items of these UTC days only (both included); implies includeResolved.")
        .Argument<DateOnlyGraphType>("resolvedTo");

    /// <summary>Open items come from the open shelves; resolved ones from the archive, of the days asked for (every day when none).</summary>
    private static async Task<IEnumerable<OpsItem>> OpsItemsAsync(IResolveFieldContext context, OpsItemKind kind)
    {
        var from = context.GetArgument<DateOnly?>("resolvedFrom");
        var to = context.GetArgument<DateOnly?>("resolvedTo");
        if (from > to)
        {
            throw AdminErrors.Invalid("resolvedFrom is not after resolvedTo.");
        }

        var ops = context.Grains().GetGrain<IOpsGrain>(0);
        var open = ops.ListAsync(kind);
        var resolved = context.GetArgument<bool>("includeResolved") || from is not null || to is not null ? await ops.ListResolvedAsync(kind, from, to) : [];
        // A crash while an item moved to the archive can leave it on both shelves for a moment: its archived word wins.
        return resolved.Concat(await open).DistinctBy(item => item.Id);
    }
}

public sealed class OpsItemType : ObjectGraphType<OpsItem>
{
    public OpsItemType()
    {
        Name = "OpsItem";
        Description = "An ops alert, support ticket or risk item a flow raised, and how people handled it.";
        Field(item => item.Id);
        Field<NonNullGraphType<StringGraphType>>("kind").Resolve(context => context.Source.Kind.ToString());
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field(item => item.Subject);
        Field(item => item.Detail);
        Field(item => item.FlowKind, nullable: true);
        Field(item => item.FlowId, nullable: true);
        Field(item => item.RaisedAt);
        Field(item => item.LastRaisedAt, nullable: true);
        Field(item => item.Occurrences);
        Field(item => item.AcknowledgedBy, nullable: true);
        Field(item => item.AcknowledgedAt, nullable: true);
        Field(item => item.ResolvedBy, nullable: true);
        Field(item => item.ResolvedAt, nullable: true);
        Field(item => item.Resolution, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<KeyValueType>>>>("data").Resolve(context => context.Source.Data.OrderBy(pair => pair.Key, StringComparer.Ordinal));
    }
}

public sealed class DeadLetterType : ObjectGraphType<OpsItem>
{
    public DeadLetterType()
    {
        Name = "DeadLetter";
        Description = "A webhook or event that failed processing, kept whole so that it can be replayed (WH-6).";
        Field(item => item.Id);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field<NonNullGraphType<StringGraphType>>("source").Resolve(context => context.Source.Data.GetValueOrDefault(DeadLetterData.Source, ""));
        Field<NonNullGraphType<StringGraphType>>("inboxKey").Resolve(context => context.Source.FlowId ?? "");
        Field<NonNullGraphType<StringGraphType>>("error").Resolve(context => context.Source.Detail);
        // Kept once, where it arrived (a webhook's inbox) or in the item (a notification): listings carry no body.
        Field<NonNullGraphType<StringGraphType>>("body").ResolveAsync(async context =>
            context.Source.Data.TryGetValue(DeadLetterData.Body, out var body) ? body
            : await context.Grains().GetGrain<IOpsGrain>(0).DeadLetterBodyAsync(context.Source.Id) ?? "");
        Field<DateTimeOffsetGraphType>("bodyDroppedAt")
            .Description("SEC-7: when the body was dropped after the retention (Webhooks:BodyRetention); body is then empty and a replay is refused (INVALID_STATE).")
            .ResolveAsync(async context => await context.Grains().GetGrain<IOpsGrain>(0).DeadLetterBodyDroppedAtAsync(context.Source.Id));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<KeyValueType>>>>("headers").Resolve(context =>
            context.Source.Data.Where(pair => DeadLetterData.IsHeader(pair.Key)).OrderBy(pair => pair.Key, StringComparer.Ordinal));
        Field<NonNullGraphType<IntGraphType>>("attempts").Resolve(context =>
            int.TryParse(context.Source.Data.GetValueOrDefault(DeadLetterData.Attempts), out var attempts) ? attempts : context.Source.Occurrences);
        Field<NonNullGraphType<DateTimeOffsetGraphType>>("failedAt").Resolve(context => context.Source.RaisedAt);
        Field(item => item.LastRaisedAt, nullable: true);
        Field(item => item.ResolvedBy, nullable: true);
        Field(item => item.ResolvedAt, nullable: true);
        Field(item => item.Resolution, nullable: true);
    }
}

public sealed class DeadLetterReplayType : ObjectGraphType<DeadLetterReplayed>
{
    public DeadLetterReplayType()
    {
        Name = "DeadLetterReplay";
        Field<NonNullGraphType<StringGraphType>>("outcome").Resolve(context => context.Source.Outcome.ToString())
            .Description("Processed, Duplicate (it had been processed already) or Failed (kept, with the new error).");
        Field<NonNullGraphType<DeadLetterType>>("deadLetter").Resolve(context => context.Source.DeadLetter);
    }
}

public sealed class StuckFlowType : ObjectGraphType<FlowMoved>
{
    public StuckFlowType()
    {
        Name = "StuckFlow";
        Field(flow => flow.Kind);
        Field<NonNullGraphType<StringGraphType>>("id").Resolve(context => context.Source.FlowId);
        Field(flow => flow.State);
        Field<NonNullGraphType<DateTimeOffsetGraphType>>("lastMovedAt").Resolve(context => context.Source.MovedAt);
        Field(flow => flow.QuietUntil, nullable: true);
        Field<NonNullGraphType<IntGraphType>>("stuckForSeconds").Resolve(context =>
            (int)Math.Min(int.MaxValue, Math.Max(0, (context.RequestServices!.GetRequiredService<TimeProvider>().GetUtcNow() - context.Source.ExpectedMoveBy).TotalSeconds)));
        Field(flow => flow.CustomerId, nullable: true);
        Field(flow => flow.Vin, nullable: true);
    }
}

public sealed class StuckGroupType : ObjectGraphType<StuckGroup>
{
    public StuckGroupType()
    {
        Name = "StuckGroup";
        Field(group => group.Kind);
        Field(group => group.State);
        Field(group => group.Count);
        Field(group => group.OldestMovedAt);
    }
}

public sealed record StuckFlows(int ThresholdSeconds, IReadOnlyList<StuckGroup> Groups, Page<FlowMoved> Flows);

public sealed class StuckFlowsType : ObjectGraphType<StuckFlows>
{
    public StuckFlowsType()
    {
        Name = "StuckFlows";
        Description = "Unfinished flows that have not moved for longer than the threshold (past any wait they announced), by kind and state.";
        Field(stuck => stuck.ThresholdSeconds);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StuckGroupType>>>>("groups").Resolve(context => context.Source.Groups);
        Field<NonNullGraphType<PageType<StuckFlowType, FlowMoved>>>("flows").Resolve(context => context.Source.Flows);
    }
}
