using CaaS.Grains.Abstractions.Operations;
using GraphQL;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

/// <summary>Money: revenue by day and kind (ADM-4) and the reconciliation of the flows with what Stripe holds.</summary>
internal static class MoneyGraph
{
    public static void AddMoneyQueries(this ObjectGraphType query)
    {
        query.Field<NonNullGraphType<RevenueReportType>>("revenueReport")
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

                return await RevenueAsync(context.Grains(), from, to, context.GetArgument<string>("currency"));
            });
        query.Field<NonNullGraphType<ReconciliationReportType>>("reconciliation")
            .Description("Every disagreement between the flows and what Stripe holds (PaymentIntents created in [from, before), all when omitted, and every open flow), and timeslots held by dead reservations. Reads only.")
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
    }

    /// <summary>The revenue days' read models, never the flow grains themselves.</summary>
    private static async Task<RevenueReport> RevenueAsync(IGrainFactory grains, DateOnly from, DateOnly to, string currency)
    {
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(offset => RevenueStreams.DayKey(from.AddDays(offset)));
        var movements = await Task.WhenAll(days.Select(day => grains.GetGrain<IRevenueDayGrain>(day).ListAsync()));
        return RevenueReport.Build(from, to, currency, movements.SelectMany(day => day));
    }
}

public sealed class RevenueFiguresType : ObjectGraphType<RevenueFigures>
{
    public RevenueFiguresType()
    {
        Name = "RevenueFigures";
        Description = "Minor units: captured net of failed settlements, refunded, the fines and fees among them, and net (captured - refunded).";
        Field(figures => figures.Captured);
        Field(figures => figures.Refunded);
        Field(figures => figures.Fines);
        Field(figures => figures.Net);
    }
}

public sealed class RevenueByKindType : ObjectGraphType<RevenueByKind>
{
    public RevenueByKindType()
    {
        Name = "RevenueByKind";
        Field<NonNullGraphType<StringGraphType>>("kind").Resolve(context => context.Source.Kind == RevenueKind.Rental ? "rentals" : "vehicleServices");
        Field<NonNullGraphType<RevenueFiguresType>>("figures").Resolve(context => context.Source.Figures);
    }
}

public sealed class RevenueDayType : ObjectGraphType<RevenueDay>
{
    public RevenueDayType()
    {
        Name = "RevenueDay";
        Field(day => day.Date);
        Field<NonNullGraphType<RevenueFiguresType>>("figures").Resolve(context => context.Source.Figures);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RevenueByKindType>>>>("byKind").Resolve(context => context.Source.ByKind);
    }
}

public sealed class RevenueReportType : ObjectGraphType<RevenueReport>
{
    public RevenueReportType()
    {
        Name = "RevenueReport";
        Field(report => report.From);
        Field(report => report.To);
        Field(report => report.Currency);
        Field<NonNullGraphType<RevenueFiguresType>>("totals").Resolve(context => context.Source.Totals);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RevenueByKindType>>>>("byKind").Resolve(context => context.Source.ByKind);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RevenueDayType>>>>("byDay").Resolve(context => context.Source.ByDay);
    }
}

public sealed class MismatchType : ObjectGraphType<Mismatch>
{
    public MismatchType()
    {
        Name = "Mismatch";
        Description = "One disagreement the reconciler found; kind is a stable code (CHARGE_WITHOUT_DELIVERY, DOUBLE_CHARGE, HOLD_ON_ENDED_FLOW, HOLD_MISSING, LEDGER_DIFFERS, TIMESLOT_OF_DEAD_RESERVATION, UNKNOWN_FLOW).";
        Field(mismatch => mismatch.Kind);
        Field(mismatch => mismatch.FlowKind, nullable: true);
        Field(mismatch => mismatch.FlowId, nullable: true);
        Field(mismatch => mismatch.PaymentIntentId, nullable: true);
        Field(mismatch => mismatch.Detail);
    }
}

public sealed class ReconciliationReportType : ObjectGraphType<ReconciliationReport>
{
    public ReconciliationReportType()
    {
        Name = "ReconciliationReport";
        Field(report => report.CheckedAt);
        Field(report => report.From, nullable: true);
        Field(report => report.Before, nullable: true);
        Field(report => report.PaymentIntents);
        Field(report => report.Rentals);
        Field(report => report.ServicePurchases);
        Field(report => report.Vehicles);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MismatchType>>>>("mismatches").Resolve(context => context.Source.Mismatches);
    }
}
