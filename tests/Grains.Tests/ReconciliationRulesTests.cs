using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Operations;

namespace CaaS.Grains.Tests;

/// <summary>PAY-9, PAY-3, MOB-6: what the reconciler calls a mismatch, flow by flow.</summary>
public sealed class ReconciliationRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(ReservationStatus.Confirmed, PaymentStatus.RequiresCapture, 0, 0, null, null)]
    [InlineData(ReservationStatus.Active, PaymentStatus.RequiresCapture, 0, 0, null, null)]
    [InlineData(ReservationStatus.Completed, PaymentStatus.Succeeded, 5200, 5200, null, null)]
    [InlineData(ReservationStatus.Cancelled, PaymentStatus.Canceled, 0, 0, null, null)]
    [InlineData(ReservationStatus.Cancelled, PaymentStatus.Succeeded, 1500, 1500, null, null)]
    [InlineData(ReservationStatus.Cancelled, PaymentStatus.RequiresCapture, 0, 0, null, MismatchKinds.HoldOnEndedFlow)]
    [InlineData(ReservationStatus.Rejected, PaymentStatus.RequiresCapture, 0, 0, null, MismatchKinds.HoldOnEndedFlow)]
    [InlineData(ReservationStatus.Cancelled, PaymentStatus.Succeeded, 0, 5200, null, MismatchKinds.ChargeWithoutDelivery)]
    [InlineData(ReservationStatus.Rejected, PaymentStatus.Succeeded, 0, 5200, null, MismatchKinds.ChargeWithoutDelivery)]
    [InlineData(ReservationStatus.Confirmed, PaymentStatus.Canceled, 0, 0, null, MismatchKinds.HoldMissing)]
    [InlineData(ReservationStatus.Completed, PaymentStatus.Succeeded, 5200, 4000, null, MismatchKinds.LedgerDiffers)]
    [InlineData(ReservationStatus.Completed, PaymentStatus.Succeeded, 5200, 5200, 5200L, MismatchKinds.LedgerDiffers)]
    public void A_rental_holds_at_Stripe_what_its_state_allows(
        ReservationStatus status, PaymentStatus intentStatus, long recordedCapture, long received, long? refunded, string? expected)
    {
        var rental = Rental(status, recordedCapture);
        var intent = Intent("pi_1", intentStatus, received);

        var found = Reconciliation.CheckRental("r-1", rental, [new IntentFigures(intent, refunded ?? 0)]).ToList();

        if (expected is null)
        {
            Assert.Empty(found);
        }
        else
        {
            Assert.Equal(expected, Assert.Single(found).Kind);
        }
    }

    [Fact]
    public void PAY_9_two_captured_intents_for_one_rental_are_a_double_charge_even_when_one_matches_the_ledger()
    {
        var found = Reconciliation.CheckRental("r-1", Rental(ReservationStatus.Completed, 5200),
            [new IntentFigures(Intent("pi_1", PaymentStatus.Succeeded, 5200), 0), new IntentFigures(Intent("pi_2", PaymentStatus.Succeeded, 5200), 0)]).ToList();

        var mismatch = Assert.Single(found);
        Assert.Equal(MismatchKinds.DoubleCharge, mismatch.Kind);
        Assert.Equal("pi_1,pi_2", mismatch.PaymentIntentId);
    }

    [Fact]
    public void A_failed_settlement_charged_again_once_is_one_charge()
    {
        // PAY-4: the first intent's money is gone (requires_payment_method, nothing received); the recharge took it.
        var found = Reconciliation.CheckRental("r-1", Rental(ReservationStatus.Completed, 5200),
            [new IntentFigures(Intent("pi_1", PaymentStatus.RequiresPaymentMethod, 0), 0), new IntentFigures(Intent("pi_2", PaymentStatus.Succeeded, 5200), 0)]);

        Assert.Empty(found);
    }

    [Fact]
    public void Two_holds_on_one_reservation_are_a_double_charge()
    {
        var found = Reconciliation.CheckRental("r-1", Rental(ReservationStatus.Confirmed, 0),
            [new IntentFigures(Intent("pi_1", PaymentStatus.RequiresCapture, 0), 0), new IntentFigures(Intent("pi_2", PaymentStatus.RequiresCapture, 0), 0)]);

        Assert.Equal(MismatchKinds.DoubleCharge, Assert.Single(found).Kind);
    }

    [Fact]
    public void Money_under_a_flow_the_platform_never_recorded_is_an_unknown_flow_and_a_released_hold_is_not()
    {
        var found = Reconciliation.CheckRental("r-ghost", null,
            [new IntentFigures(Intent("pi_1", PaymentStatus.RequiresCapture, 0), 0), new IntentFigures(Intent("pi_2", PaymentStatus.Canceled, 0), 0)]).ToList();

        var mismatch = Assert.Single(found);
        Assert.Equal((MismatchKinds.UnknownFlow, "pi_1"), (mismatch.Kind, mismatch.PaymentIntentId));
    }

    [Theory]
    [InlineData(ServicePurchaseStatus.Activating, PaymentStatus.RequiresCapture, 0, null, null)]
    [InlineData(ServicePurchaseStatus.Active, PaymentStatus.Succeeded, 999, null, null)]
    [InlineData(ServicePurchaseStatus.Active, PaymentStatus.RequiresPaymentMethod, 0, "failed", null)]
    [InlineData(ServicePurchaseStatus.Failed, PaymentStatus.Canceled, 0, null, null)]
    [InlineData(ServicePurchaseStatus.Failed, PaymentStatus.Succeeded, 999, null, MismatchKinds.ChargeWithoutDelivery)]
    [InlineData(ServicePurchaseStatus.Blocked, PaymentStatus.RequiresCapture, 0, null, MismatchKinds.HoldOnEndedFlow)]
    [InlineData(ServicePurchaseStatus.Activating, PaymentStatus.Canceled, 0, null, MismatchKinds.HoldMissing)]
    [InlineData(ServicePurchaseStatus.Active, PaymentStatus.RequiresCapture, 0, null, MismatchKinds.LedgerDiffers)]
    public void PAY_6_a_service_is_charged_once_it_is_active_and_never_when_it_failed(
        ServicePurchaseStatus status, PaymentStatus intentStatus, long received, string? settlement, string? expected)
    {
        var purchase = new ServicePurchaseView("p-1", "cust-1", "WVWZZZ1JZXW000001", "HEATED_SEATS", status, status == ServicePurchaseStatus.Active, 1,
            Money.Eur(999), settlement, null, null, Start, []);

        var found = Reconciliation.CheckPurchase("p-1", purchase, [new IntentFigures(Intent("pi_1", intentStatus, received), 0)]).ToList();

        Assert.Equal(expected, found.SingleOrDefault()?.Kind);
        Assert.True(found.Count <= 1);
    }

    [Theory]
    [InlineData(ReservationStatus.Confirmed, false)]
    [InlineData(ReservationStatus.Completed, false)]
    [InlineData(ReservationStatus.Cancelled, true)]
    [InlineData(ReservationStatus.Rejected, true)]
    public void MOB_6_a_timeslot_of_a_cancelled_or_rejected_reservation_is_a_mismatch(ReservationStatus status, bool dead)
    {
        var slot = new Timeslot("r-1", Start, Start.AddHours(2), TimeslotKind.Reservation);

        Assert.Equal(dead, Reconciliation.CheckTimeslot("WVWZZZ1JZXW000001", slot, Rental(status, 0)) is { Kind: MismatchKinds.TimeslotOfDeadReservation });
        Assert.NotNull(Reconciliation.CheckTimeslot("WVWZZZ1JZXW000001", slot, null));
    }

    [Fact]
    public void PAY_10_a_booking_far_ahead_or_waiting_for_authentication_holds_nothing_and_that_is_no_mismatch()
    {
        var planned = Rental(ReservationStatus.Confirmed, 0) with { AuthorizationDueAt = Start.AddDays(-1) };
        var waiting = Rental(ReservationStatus.AwaitingAuthentication, 0);

        Assert.Empty(Reconciliation.CheckRental("r-1", planned, []));
        Assert.Empty(Reconciliation.CheckRental("r-1", waiting, [new IntentFigures(Intent("pi_1", PaymentStatus.RequiresAuthentication, 0), 0)]));
    }

    [Theory]
    [InlineData(ReservationStatus.Confirmed, -1, false, MismatchKinds.HoldExpiresBeforeEnd)]
    [InlineData(ReservationStatus.Active, -1, false, MismatchKinds.HoldExpiresBeforeEnd)]
    [InlineData(ReservationStatus.Active, -1, true, null)]
    [InlineData(ReservationStatus.Active, 1, false, null)]
    public void PAY_10_a_hold_whose_capture_before_falls_before_the_end_with_no_renewal_planned_is_HOLD_EXPIRES_BEFORE_END(
        ReservationStatus status, int hoursAfterEnd, bool renewalPlanned, string? expected)
    {
        var rental = Rental(status, 0);
        var captureBefore = rental.EndsAt.AddHours(hoursAfterEnd);
        rental = rental with { RenewalDueAt = renewalPlanned ? captureBefore.AddHours(-12) : null };
        var hold = Intent("pi_1", PaymentStatus.RequiresCapture, 0) with { CaptureBefore = captureBefore };

        var found = Reconciliation.CheckRental("r-1", rental, [new IntentFigures(hold, 0)]).ToList();

        Assert.Equal(expected is null ? [] : [expected], found.Select(mismatch => mismatch.Kind));
    }

    [Fact]
    public void PAY_11_a_fine_charged_on_the_saved_card_beside_the_hold_is_no_double_charge_when_the_rental_recorded_both()
    {
        var rental = Rental(ReservationStatus.Completed, 12_000) with { Owed = Money.Eur(12_000), FinesCaptured = Money.Eur(6_800), ChargedIntents = ["pi_1", "pi_2"] };
        IntentFigures[] intents = [new(Intent("pi_1", PaymentStatus.Succeeded, 10_200), 0), new(Intent("pi_2", PaymentStatus.Succeeded, 1_800), 0)];

        Assert.Empty(Reconciliation.CheckRental("r-1", rental, intents));
        // One Stripe knows of and the rental never recorded is still a double charge.
        Assert.Equal([MismatchKinds.DoubleCharge], Reconciliation.CheckRental("r-1", rental with { ChargedIntents = ["pi_1"] }, intents).Select(found => found.Kind));
    }

    [Theory]
    [InlineData(12_000, 10_200, 0, MismatchKinds.UnchargedDebt)]
    [InlineData(12_000, 10_200, 1_800, null)]
    [InlineData(10_200, 10_200, 0, null)]
    public void PAY_11_money_a_completed_rental_owes_that_was_neither_charged_nor_handed_to_ops_is_UNCHARGED_DEBT(long owed, long captured, long debt, string? expected)
    {
        var rental = Rental(ReservationStatus.Completed, captured) with
        {
            Owed = Money.Eur(owed), FinesCaptured = Money.Eur(captured - 5_200), Debt = debt > 0 ? Money.Eur(debt) : null, ChargedIntents = ["pi_1"],
        };

        var found = Reconciliation.CheckRental("r-1", rental, [new IntentFigures(Intent("pi_1", PaymentStatus.Succeeded, captured), 0)]);

        Assert.Equal(expected is null ? [] : [expected], found.Select(mismatch => mismatch.Kind));
    }

    [Fact]
    public void PAY_11_a_rental_that_refunded_more_than_its_captured_fines_is_FINE_REFUNDED_BEYOND_CAPTURED()
    {
        var rental = Rental(ReservationStatus.Completed, 7_200) with
        {
            Owed = Money.Eur(4_200), FinesCaptured = Money.Eur(2_000), RefundedAmount = Money.Eur(3_000), ChargedIntents = ["pi_1"],
        };

        var found = Reconciliation.CheckRental("r-1", rental, [new IntentFigures(Intent("pi_1", PaymentStatus.Succeeded, 7_200), 3_000)]);

        Assert.Equal([MismatchKinds.FineRefundedBeyondCaptured], found.Select(mismatch => mismatch.Kind));
    }

    private static ReservationView Rental(ReservationStatus status, long captured) =>
        new("r-1", "cust-1", "veh-1", "WVWZZZ1JZXW000001", Start, Start.AddHours(2), status, Money.Eur(5200),
            captured > 0 ? Money.Eur(captured) : null, [], [], null, null, [], null, Start);

    private static PaymentRecord Intent(string id, PaymentStatus status, long received) =>
        new(id, status, Money.Eur(5200), Money.Eur(status == PaymentStatus.RequiresCapture ? 5200 : 0), Money.Eur(received),
            new Dictionary<string, string> { ["reservationId"] = "r-1" });
}
