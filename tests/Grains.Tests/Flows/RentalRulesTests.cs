using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Rentals;

namespace CaaS.Grains.Tests.Flows;

/// <summary>The rental's money and return rules as plain functions (PAY-2, PAY-3, ADM-3), edge cases first.</summary>
public sealed class RentalRulesTests
{
    private static readonly RentalOptions Rules = new();

    private static readonly DateTimeOffset Start = new(2026, 12, 10, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("car", 60, 1_200)]
    [InlineData("car", 61, 2_400)]
    [InlineData("van", 180, 5_400)]
    [InlineData("unknown-category", 60, 1_800)]
    public void The_price_counts_every_started_hour_at_the_category_rate(string category, int minutes, long expected) =>
        Assert.Equal(Money.Eur(expected), RentalRules.Price(Rules, category, Start, Start.AddMinutes(minutes)));

    [Fact]
    public void The_hold_is_the_price_plus_the_fine_reserve() =>
        Assert.Equal(Money.Eur(3_600 + 5_000), RentalRules.ToAuthorize(Rules, Money.Eur(3_600)));

    [Fact]
    public void Cancelling_up_to_the_free_cancellation_deadline_costs_nothing_and_a_moment_later_the_late_fee()
    {
        var deadline = Start - Rules.FreeCancellationBefore;

        Assert.Equal(Money.Eur(0), RentalRules.CancellationFee(Rules, Money.Eur(10_000), Start, deadline));
        Assert.Equal(Money.Eur(2_000), RentalRules.CancellationFee(Rules, Money.Eur(10_000), Start, deadline.AddTicks(1)));
        Assert.Equal(Money.Eur(0), RentalRules.CancellationFee(Rules, Money.Eur(0), Start, Start));
    }

    [Fact]
    public void PAY_11_what_is_owed_is_price_and_fines_and_the_hold_gives_what_it_can_the_rest_lies_beyond_it()
    {
        var price = Money.Eur(6_000);
        var hold = RentalRules.ToAuthorize(Rules, price).Amount;

        Assert.Equal(Money.Eur(8_500), RentalRules.Owed(price, [new Fine("late", Money.Eur(2_500))]));
        Assert.Equal((8_500L, 0L), RentalRules.Split(Money.Eur(8_500), null, hold));
        Assert.Equal((11_000L, 2_000L), RentalRules.Split(RentalRules.Owed(price, [new Fine("late", Money.Eur(4_000)), new Fine("energy", Money.Eur(3_000))]), null, hold));
        // A renewed hold under way covers the fines only: the price was captured when it was replaced.
        Assert.Equal((5_000L, 7_000L), RentalRules.Split(Money.Eur(18_000), price, Rules.FineReserve));
        // A lapsed hold gives nothing: everything is charged on the saved card.
        Assert.Equal((0L, 6_000L), RentalRules.Split(price, null, 0));
    }

    [Fact]
    public void PAY_11_a_capture_refused_waits_twice_as_long_each_time() =>
        Assert.Equal([Rules.CaptureRetryDelay, Rules.CaptureRetryDelay * 2, Rules.CaptureRetryDelay * 4],
            new[] { 1, 2, 3 }.Select(refused => RentalRules.CaptureBackoff(Rules, refused)));

    [Fact]
    public void PAY_11_only_captured_fines_are_refundable_newest_intent_first_and_a_failed_settlement_takes_its_fines_back()
    {
        MoneyMoved Move(string step, MoneyMovementType type, long amount, long fines, string intent) =>
            new(step, DateTimeOffset.UnixEpoch, RevenueKind.Rental, type, Money.Eur(amount), fines, "r", intent);

        var moves = new[]
        {
            Move("capture", MoneyMovementType.Captured, 11_000, 5_000, "pi_hold"),
            Move("beyond-hold", MoneyMovementType.Captured, 2_000, 2_000, "pi_beyond"),
            Move("fine-adjustment-3/pi_beyond", MoneyMovementType.Refunded, 500, 500, "pi_beyond"),
        };

        Assert.Equal([("pi_beyond", 1_500L), ("pi_hold", 5_000L)], RentalRules.RefundableFines(moves));
        Assert.Equal([("pi_beyond", 1_500L)], RentalRules.RefundableFines([.. moves, Move("settlement-failed/pi_hold", MoneyMovementType.SettlementFailed, 11_000, 5_000, "pi_hold")]));
    }

    [Fact]
    public void An_adjustment_of_zero_or_one_taking_fines_below_zero_is_refused()
    {
        Fine[] fines = [new Fine("late", Money.Eur(1_500))];

        Assert.Equal(ErrorCodes.ValidationFailed, Assert.Throws<DomainException>(() => RentalRules.EnsureFineAdjustment(fines, Money.Eur(0), "EUR")).Code);
        Assert.Equal(ErrorCodes.ValidationFailed, Assert.Throws<DomainException>(() => RentalRules.EnsureFineAdjustment(fines, Money.Eur(-1_501), "EUR")).Code);
        RentalRules.EnsureFineAdjustment(fines, Money.Eur(-1_500), "EUR");
        RentalRules.EnsureFineAdjustment([], Money.Eur(1), "EUR");
        // PAY-11: a fine in another currency than the rental's is refused before anything changes, fines or not.
        Assert.Equal(ErrorCodes.ValidationFailed, Assert.Throws<DomainException>(() => RentalRules.EnsureFineAdjustment([], new Money(1_000, "USD"), "EUR")).Code);
    }

    [Fact]
    public void Fines_of_two_currencies_cannot_be_added_up()
    {
        Fine[] fines = [new Fine("late", Money.Eur(1_500))];

        Assert.Throws<InvalidOperationException>(() => RentalRules.FineTotal(fines, "USD"));
        Assert.Equal(Money.Eur(1_500), RentalRules.FineTotal(fines, "EUR"));
    }

    [Fact]
    public void A_return_on_time_full_and_in_a_zone_has_no_issues_and_no_fines()
    {
        var proof = new ReturnProof(1_000, 80, [], 40.4168, -3.7038);

        Assert.Empty(RentalRules.Verify(Rules, proof));
        Assert.Empty(RentalRules.Fines(Rules, proof.EnergyPercent, Start, Start));
    }

    [Fact]
    public void A_late_and_empty_return_outside_every_zone_has_every_issue_and_both_fines()
    {
        var proof = new ReturnProof(-1, 5, [], 0, 0);

        Assert.Equal(["odometer reading missing or implausible", "vehicle left outside every return zone"], RentalRules.Verify(Rules, proof));
        Assert.Equal([Money.Eur(2 * 2_500), Money.Eur(3_000)], RentalRules.Fines(Rules, proof.EnergyPercent, Start, Start.AddMinutes(61)).Select(fine => fine.Amount));
        Assert.Contains("fuel or charge level missing or implausible", RentalRules.Verify(Rules, proof with { EnergyPercent = 101 }));
    }

    private static readonly ReturnProof Claim = new(23_456.7, 80, ["https://photos.example/front.jpg"], 40.4168, -3.7038);

    private static ReturnWitness Car(int energy = 64, double odometer = 12_000, double latitude = 40.42, double longitude = -3.70, TimeSpan? silentFor = null) =>
        new(new VehicleTelemetry(odometer, energy, latitude, longitude, Locked: false), Start - (silentFor ?? TimeSpan.FromSeconds(10)), AskedAtReturn: false);

    [Fact]
    public void MOB_7_a_claim_that_contradicts_the_vehicle_is_noted_and_the_vehicle_is_believed()
    {
        var verdict = RentalRules.Judge(Rules, Claim, Car(energy: 5), Start, odometerAtUnlock: 11_900);

        Assert.Empty(verdict.Issues);
        Assert.True(verdict.Witnessed);
        Assert.Equal(5, verdict.EnergyPercent);
        Assert.Equal(["claimed 80% fuel or charge, the vehicle reports 5%", "claimed an odometer of 23456.7 km, the vehicle reports 12000 km"], verdict.Notes);
        Assert.Equal([Money.Eur(3_000)], RentalRules.Fines(Rules, verdict.EnergyPercent, Start, Start).Select(fine => fine.Amount));
    }

    [Fact]
    public void MOB_7_the_vehicle_outside_every_zone_or_reading_less_than_at_unlock_waits_for_ops_whatever_the_claim_says()
    {
        var paris = RentalRules.Judge(Rules, Claim, Car(latitude: 48.85, longitude: 2.35), Start, odometerAtUnlock: null);
        var wound = RentalRules.Judge(Rules, Claim, Car(odometer: 11_000), Start, odometerAtUnlock: 11_900);

        Assert.Equal(["vehicle left outside every return zone"], paris.Issues);
        Assert.Contains(paris.Notes, note => note.StartsWith("claimed a position 1052", StringComparison.Ordinal));
        Assert.Equal(["the vehicle's odometer reads 11000 km, less than the 11900 km at unlock"], wound.Issues);
    }

    [Fact]
    public void MOB_7_without_a_recent_report_the_claim_alone_cannot_verify_a_return()
    {
        var silent = RentalRules.Judge(Rules, Claim, Car(silentFor: Rules.ReturnContactWithin + TimeSpan.FromSeconds(1)), Start, null);
        var none = RentalRules.Judge(Rules, Claim with { Latitude = 0 }, null, Start, null);
        var justInTime = RentalRules.Judge(Rules, Claim, Car(silentFor: Rules.ReturnContactWithin), Start, null);

        Assert.False(silent.Witnessed);
        Assert.Equal(80, silent.EnergyPercent);
        Assert.StartsWith("no recent report from the vehicle", Assert.Single(silent.Issues), StringComparison.Ordinal);
        Assert.Equal(["no report from the vehicle to verify the return by", "vehicle left outside every return zone"], none.Issues);
        Assert.True(justInTime.Witnessed);
    }

    [Fact]
    public void MOB_7_a_held_report_is_stale_past_the_configured_age_and_none_is_stale_too()
    {
        Assert.False(RentalRules.IsStale(Rules, Start - Rules.ReturnTelemetryStaleAfter, Start));
        Assert.True(RentalRules.IsStale(Rules, Start - Rules.ReturnTelemetryStaleAfter - TimeSpan.FromTicks(1), Start));
        Assert.True(RentalRules.IsStale(Rules, null, Start));
        Assert.True(RentalRules.IsStale(new RentalOptions { ReturnTelemetryStaleAfter = TimeSpan.Zero }, Start.AddMilliseconds(-1), Start));
    }

    [Fact]
    public void A_booking_too_short_too_long_or_too_far_ahead_is_refused()
    {
        var now = Start.AddDays(-1);
        CreateReservation Request(DateTimeOffset from, TimeSpan length) => new("c", "v", from, from + length, "pm");

        RentalRules.EnsureBookable(Rules, Request(Start, Rules.MinimumDuration), now);
        RentalRules.EnsureBookable(Rules, Request(Start, Rules.MaximumDuration), now);
        Assert.Throws<DomainException>(() => RentalRules.EnsureBookable(Rules, Request(Start, Rules.MinimumDuration - TimeSpan.FromTicks(1)), now));
        Assert.Throws<DomainException>(() => RentalRules.EnsureBookable(Rules, Request(Start, Rules.MaximumDuration + TimeSpan.FromTicks(1)), now));
        Assert.Throws<DomainException>(() => RentalRules.EnsureBookable(Rules, Request(now + Rules.BookingHorizon + TimeSpan.FromTicks(1), TimeSpan.FromHours(2)), now));
    }
}
