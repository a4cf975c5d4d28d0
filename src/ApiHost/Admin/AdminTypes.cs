using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

// The admin API's output types. Statuses are strings with the contract's names (Confirmed,
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

public sealed class KeyValueType : ObjectGraphType<KeyValuePair<string, string>>
{
    public KeyValueType()
    {
        Name = "KeyValue";
        Field<NonNullGraphType<StringGraphType>>("key").Resolve(context => context.Source.Key);
        Field<NonNullGraphType<StringGraphType>>("value").Resolve(context => context.Source.Value);
    }
}

public sealed class FineType : ObjectGraphType<Fine>
{
    public FineType()
    {
        Name = "Fine";
        Field(fine => fine.Reason);
        Field<NonNullGraphType<MoneyType>>("amount").Resolve(context => context.Source.Amount);
    }
}

public sealed class RentalType : ObjectGraphType<ReservationView>
{
    public RentalType()
    {
        Name = "Rental";
        Description = "A reservation and the rental it becomes (the rental id is the reservation id).";
        Field(rental => rental.Id);
        Field(rental => rental.CustomerId);
        Field(rental => rental.VehicleId);
        Field(rental => rental.Vin);
        Field(rental => rental.StartsAt);
        Field(rental => rental.EndsAt);
        Field(rental => rental.CreatedAt);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field<MoneyType>("authorizedAmount").Resolve(context => context.Source.AuthorizedAmount);
        Field<MoneyType>("capturedAmount").Resolve(context => context.Source.CapturedAmount);
        Field<MoneyType>("refundedAmount").Resolve(context => context.Source.RefundedAmount);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FineType>>>>("fines").Resolve(context => context.Source.Fines);
        Field(rental => rental.VerificationIssues);
        Field(rental => rental.ErrorCode, nullable: true);
        Field(rental => rental.ErrorMessage, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransitionType>>>>("history").Resolve(context => context.Source.History);
    }
}

public sealed class ActiveRentalType : ObjectGraphType<FlowMoved>
{
    public ActiveRentalType()
    {
        Name = "ActiveRental";
        Description = "A rental under way, as the flow index holds it (ADM-1); rental(id) has the whole of it.";
        Field<NonNullGraphType<StringGraphType>>("id").Resolve(context => context.Source.FlowId);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.State);
        Field(flow => flow.CustomerId, nullable: true);
        Field(flow => flow.VehicleId, nullable: true);
        Field(flow => flow.Vin, nullable: true);
        Field(flow => flow.StartsAt, nullable: true);
        Field(flow => flow.EndsAt, nullable: true);
        Field<NonNullGraphType<DateTimeOffsetGraphType>>("since").Resolve(context => context.Source.MovedAt);
    }
}

public sealed class VehicleTelemetryType : ObjectGraphType<Grains.Abstractions.Integration.VehicleTelemetry>
{
    public VehicleTelemetryType()
    {
        Name = "VehicleTelemetry";
        Field(telemetry => telemetry.OdometerKm);
        Field(telemetry => telemetry.EnergyPercent);
        Field(telemetry => telemetry.Latitude);
        Field(telemetry => telemetry.Longitude);
        Field(telemetry => telemetry.Locked);
    }
}

public sealed class VehicleType : ObjectGraphType<VehicleSnapshot>
{
    public VehicleType()
    {
        Name = "Vehicle";
        Field(vehicle => vehicle.Vin);
        Field(vehicle => vehicle.Model, nullable: true);
        Field(vehicle => vehicle.Category, nullable: true);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field(vehicle => vehicle.StatusReportedAt, nullable: true);
        Field(vehicle => vehicle.OwnerId, nullable: true);
        Field<VehicleTelemetryType>("telemetry").Resolve(context => context.Source.Telemetry);
        Field(vehicle => vehicle.LastContact, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransitionType>>>>("history").Resolve(context => context.Source.History);
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
        Field<NonNullGraphType<StringGraphType>>("body").Resolve(context => context.Source.Data.GetValueOrDefault(DeadLetterData.Body, ""));
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

public sealed record DeadLetterReplay(string Outcome, OpsItem DeadLetter);

public sealed class DeadLetterReplayType : ObjectGraphType<DeadLetterReplay>
{
    public DeadLetterReplayType()
    {
        Name = "DeadLetterReplay";
        Field(replay => replay.Outcome).Description("Processed, Duplicate (it had been processed already) or Failed (kept, with the new error).");
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

public sealed record StuckGroup(string Kind, string State, int Count, DateTimeOffset OldestMovedAt);

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
