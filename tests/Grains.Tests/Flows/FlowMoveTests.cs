using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Flows;
using CaaS.Grains.Orders;
using CaaS.Grains.Rentals;
using CaaS.Grains.Services;

namespace CaaS.Grains.Tests.Flows;

/// <summary>
/// Every move of every saga, allowed and refused, walked through the one Move every grain uses. The
/// expected moves are written out here as the sagas' specification, apart from the tables, so a
/// table that allows too much or too little fails.
/// </summary>
public sealed class FlowMoveTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly FlowOptions Options = new();

    public static readonly (ReservationStatus From, ReservationStatus To)[] ReservationMoves =
    [
        (ReservationStatus.Pending, ReservationStatus.Confirmed), (ReservationStatus.Pending, ReservationStatus.Rejected),
        (ReservationStatus.Pending, ReservationStatus.PaymentFailed), (ReservationStatus.Pending, ReservationStatus.Cancelled),
        (ReservationStatus.Confirmed, ReservationStatus.Active), (ReservationStatus.Confirmed, ReservationStatus.Cancelled),
        // PAY-10: a card that needs authentication, at booking or off-session before the start; a hard decline before the start.
        (ReservationStatus.Pending, ReservationStatus.AwaitingAuthentication), (ReservationStatus.Confirmed, ReservationStatus.AwaitingAuthentication),
        (ReservationStatus.Confirmed, ReservationStatus.PaymentFailed),
        (ReservationStatus.AwaitingAuthentication, ReservationStatus.Confirmed), (ReservationStatus.AwaitingAuthentication, ReservationStatus.Cancelled),
        (ReservationStatus.Active, ReservationStatus.ReturnPending),
        (ReservationStatus.ReturnPending, ReservationStatus.Completed), (ReservationStatus.ReturnPending, ReservationStatus.Active),
        (ReservationStatus.Completed, ReservationStatus.PaymentFailed),
    ];

    public static readonly (FactoryOrderStatus From, FactoryOrderStatus To)[] OrderMoves =
    [
        (FactoryOrderStatus.Placing, FactoryOrderStatus.Placed), (FactoryOrderStatus.Placing, FactoryOrderStatus.PlacementFailed),
        (FactoryOrderStatus.PlacementFailed, FactoryOrderStatus.Placing), (FactoryOrderStatus.PlacementFailed, FactoryOrderStatus.Abandoned),
        (FactoryOrderStatus.PlacementFailed, FactoryOrderStatus.Placed), (FactoryOrderStatus.PlacementFailed, FactoryOrderStatus.Manufacturing),
        (FactoryOrderStatus.PlacementFailed, FactoryOrderStatus.Delayed), (FactoryOrderStatus.PlacementFailed, FactoryOrderStatus.Ready),
        (FactoryOrderStatus.Placed, FactoryOrderStatus.Manufacturing), (FactoryOrderStatus.Placed, FactoryOrderStatus.Delayed),
        (FactoryOrderStatus.Placed, FactoryOrderStatus.Ready),
        (FactoryOrderStatus.Manufacturing, FactoryOrderStatus.Delayed), (FactoryOrderStatus.Manufacturing, FactoryOrderStatus.Ready),
        (FactoryOrderStatus.Delayed, FactoryOrderStatus.Manufacturing), (FactoryOrderStatus.Delayed, FactoryOrderStatus.Delayed),
        (FactoryOrderStatus.Delayed, FactoryOrderStatus.Ready),
        (FactoryOrderStatus.Ready, FactoryOrderStatus.Registered), (FactoryOrderStatus.Ready, FactoryOrderStatus.RegistrationFailed),
        (FactoryOrderStatus.RegistrationFailed, FactoryOrderStatus.Ready), (FactoryOrderStatus.RegistrationFailed, FactoryOrderStatus.Abandoned),
        (FactoryOrderStatus.Registered, FactoryOrderStatus.Delivered),
    ];

    public static readonly (ServicePurchaseStatus From, ServicePurchaseStatus To)[] PurchaseMoves =
    [
        (ServicePurchaseStatus.Validating, ServicePurchaseStatus.Activating), (ServicePurchaseStatus.Validating, ServicePurchaseStatus.Blocked),
        (ServicePurchaseStatus.Validating, ServicePurchaseStatus.Failed),
        (ServicePurchaseStatus.Activating, ServicePurchaseStatus.Active), (ServicePurchaseStatus.Activating, ServicePurchaseStatus.Failed),
    ];

    public static readonly (OtaCommandStatus From, OtaCommandStatus To)[] OtaMoves =
    [
        (OtaCommandStatus.Pending, OtaCommandStatus.Succeeded), (OtaCommandStatus.Pending, OtaCommandStatus.Failed),
    ];

    [Fact]
    public void Every_reservation_move_is_allowed_or_refused_as_the_saga_says() =>
        WalkEveryPair(ReservationFlow.Table, ReservationMoves, ReservationStatus.Pending, status => new ReservationState { Status = status });

    [Fact]
    public void Every_factory_order_move_is_allowed_or_refused_as_the_saga_says() =>
        WalkEveryPair(FactoryOrderFlow.Table, OrderMoves, FactoryOrderStatus.Placing, status => new FactoryOrderState { Status = status });

    [Fact]
    public void Every_service_purchase_move_is_allowed_or_refused_as_the_saga_says() =>
        WalkEveryPair(ServicePurchaseFlow.Table, PurchaseMoves, ServicePurchaseStatus.Validating, status => new ServicePurchaseState { Status = status });

    [Fact]
    public void Every_ota_command_move_is_allowed_or_refused_as_the_saga_says() =>
        WalkEveryPair(OtaSchedule.Table, OtaMoves, OtaCommandStatus.Pending, status => new OtaCommandState { Status = status });

    [Fact]
    public void A_move_is_numbered_kept_in_the_history_and_queued_in_the_outbox()
    {
        var reservation = new ReservationState();

        reservation.Move(ReservationFlow.Table, ReservationStatus.Pending, TransitionCause.Automatic("requested"), Now, Options);
        var confirmed = reservation.Move(ReservationFlow.Table, ReservationStatus.Confirmed, new TransitionCause("authorised", "system", "trace-1"), Now, Options);

        Assert.Equal(ReservationStatus.Confirmed, reservation.Status);
        Assert.Equal(new TransitionRecord(Now, "Pending", "Confirmed", "authorised", "trace-1", "system", FlowEntryKind.Moved, 2), confirmed);
        Assert.Equal(["None", "Pending"], reservation.History.Select(entry => entry.From));
        Assert.Equal(reservation.History, reservation.Journal.Outbox);
        Assert.Equal(2, reservation.Journal.Sequence);
    }

    [Fact]
    public void A_change_that_leaves_the_flow_where_it_is_is_an_entry_of_its_own_kind()
    {
        var reservation = Started(ReservationStatus.Completed);

        var refund = reservation.Record(FlowEntryKind.Refunded, new TransitionCause("goodwill", "ops-ann"), Now, Options);

        Assert.Equal((FlowEntryKind.Refunded, "Completed", "Completed", 2L), (refund.Kind, refund.From, refund.To, refund.Sequence));
        Assert.Equal(ReservationStatus.Completed, reservation.Status);
        Assert.Throws<ArgumentException>(() => reservation.Record(FlowEntryKind.Moved, TransitionCause.Automatic("sneaky"), Now, Options));
    }

    [Fact]
    public void The_outbox_keeps_the_newest_entries_up_to_its_limit_and_the_numbering_goes_on()
    {
        var reservation = Started(ReservationStatus.ReturnPending);
        var limited = new FlowOptions { OutboxLimit = 3 };

        for (var fine = 0; fine < 5; fine++)
        {
            reservation.Record(FlowEntryKind.FineAdjusted, TransitionCause.Automatic($"fine {fine}"), Now, limited);
        }

        Assert.Equal([4L, 5L, 6L], reservation.Journal.Outbox.Select(entry => entry.Sequence));
        Assert.Equal(6, reservation.History.Count);
    }

    [Fact]
    public void A_refused_move_says_INVALID_STATE_and_changes_nothing()
    {
        var reservation = Started(ReservationStatus.Completed);
        var before = (reservation.Status, reservation.History.Count, reservation.Journal.Outbox.Count, reservation.Journal.Sequence);

        var refused = Assert.Throws<DomainException>(() =>
            reservation.Move(ReservationFlow.Table, ReservationStatus.Active, TransitionCause.Automatic("unlock"), Now, Options));

        Assert.Equal(ErrorCodes.InvalidState, refused.Code);
        Assert.Equal(before, (reservation.Status, reservation.History.Count, reservation.Journal.Outbox.Count, reservation.Journal.Sequence));
    }

    private static ReservationState Started(ReservationStatus status)
    {
        var reservation = new ReservationState { Status = status };
        reservation.History.Add(new TransitionRecord(Now, "None", status.ToString(), "test", null, null, FlowEntryKind.Moved, 1));
        reservation.Journal.Sequence = 1;
        return reservation;
    }

    private static void WalkEveryPair<TStatus, TState>(FlowTable<TStatus> table, (TStatus From, TStatus To)[] expected, TStatus start, Func<TStatus, TState> stateIn)
        where TStatus : struct, Enum
        where TState : IFlowState<TStatus>
    {
        foreach (var to in Enum.GetValues<TStatus>())
        {
            var fresh = stateIn(default);
            if (to.Equals(start))
            {
                fresh.Move(table, to, TransitionCause.Automatic("start"), Now, Options);
                Assert.Equal("None", fresh.History[^1].From);
            }
            else
            {
                Assert.Equal(ErrorCodes.InvalidState, Assert.Throws<DomainException>(() => fresh.Move(table, to, TransitionCause.Automatic("start"), Now, Options)).Code);
                Assert.Empty(fresh.History);
            }
        }

        foreach (var from in Enum.GetValues<TStatus>())
        {
            foreach (var to in Enum.GetValues<TStatus>())
            {
                var flow = stateIn(from);
                flow.History.Add(new TransitionRecord(Now, "None", from.ToString(), "test", null, null));
                var allowed = expected.Contains((from, to));
                if (allowed)
                {
                    var entry = flow.Move(table, to, TransitionCause.Automatic("walk"), Now, Options);
                    Assert.Equal((from.ToString(), to.ToString()), (entry.From, entry.To));
                    Assert.Equal(to, flow.Status);
                }
                else
                {
                    var refused = Assert.Throws<DomainException>(() => flow.Move(table, to, TransitionCause.Automatic("walk"), Now, Options));
                    Assert.Equal(ErrorCodes.InvalidState, refused.Code);
                    Assert.Equal(from, flow.Status);
                    Assert.Single(flow.History);
                }
            }
        }

        Assert.Equal(expected.Length, table.Moves.Count());
    }
}
