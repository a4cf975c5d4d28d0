using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Rentals;

namespace CaaS.Adapters.Tests;

/// <summary>
/// PAY-10, PAY-4, PAY-5 in platform time: a hold Stripe would let lapse is replaced, a soft decline
/// before the start is tried again and a hard one never, and a booking that holds nothing is cancelled
/// without touching money. The account here has no IC+ pricing, as most do: no extended authorisation.
/// </summary>
[Collection(MovedClockCollection.Name)]
public sealed class HoldLifecycleTests(SandboxClusterFixture fixture) : IAsyncLifetime
{
    private static readonly RentalOptions Rules = new();

    private SandboxFixture Sandbox => fixture.Sandbox;

    private MovedClockBookings Bookings => new(fixture);

    public async Task InitializeAsync()
    {
        await Sandbox.ResetAsync();
        await Sandbox.PostAsync("/sandbox/stripe/account", new { flexibleAcquiring = false });
        await Bookings.WarmUpAsync();
        await Bookings.MoveToAsync(fixture.Time.GetUtcNow());
    }

    public async Task DisposeAsync()
    {
        await Sandbox.PostAsync("/sandbox/stripe/account", new { flexibleAcquiring = (bool?)null });
        (await Sandbox.Http.DeleteAsync(new Uri(Sandbox.BaseUrl + "/sandbox/clock"))).EnsureSuccessStatusCode();
        await Sandbox.ResetAsync();
    }

    [Fact]
    public async Task PAY_10_without_extended_authorisation_a_hold_that_would_lapse_before_the_end_is_replaced_before_it_does_and_the_old_one_released()
    {
        var (id, startsAt) = (MovedClockBookings.NewId(), fixture.Time.GetUtcNow().AddDays(10).AddMinutes(MovedClockBookings.Minutes()));
        await Bookings.ReserveAsync(id, MovedClockBookings.NewCustomer(), 4, startsAt, startsAt.AddDays(8), "pm_card_visa");

        await Bookings.MoveToAsync(startsAt - Rules.AuthorizeBefore);
        var authorised = await Bookings.TickAsync(id);
        var first = Assert.Single(await Bookings.IntentsAsync(id));

        // Refused an extended one, Stripe's 5 days for a merchant-initiated Visa hold end before the rental does.
        Assert.Equal("disabled", first.GetProperty("extended_authorization").GetString());
        Assert.True(authorised.HoldCaptureBefore < authorised.EndsAt);
        Assert.Equal(authorised.HoldCaptureBefore - Rules.RenewBefore, authorised.RenewalDueAt);

        await Bookings.MoveToAsync(authorised.RenewalDueAt!.Value);
        var renewed = await Bookings.TickAsync(id);
        var intents = await Bookings.IntentsAsync(id);
        var second = Assert.Single(intents, intent => intent.GetProperty("id").GetString() != first.GetProperty("id").GetString());

        Assert.Equal("requires_capture", second.GetProperty("status").GetString());
        Assert.Equal(renewed.AuthorizedAmount!.Amount, second.GetProperty("amount").GetInt64());
        Assert.Equal("canceled", Assert.Single(intents, intent => intent.GetProperty("id").GetString() == first.GetProperty("id").GetString()).GetProperty("status").GetString());
        Assert.Equal(second.GetProperty("capture_before").GetInt64(), renewed.HoldCaptureBefore!.Value.ToUnixTimeSeconds());
        Assert.True(renewed.HoldCaptureBefore > authorised.HoldCaptureBefore);
        Assert.Contains(renewed.History, entry => entry.Kind == FlowEntryKind.HoldRenewed);
        // The new hold outlives the rental: no further renewal is planned.
        Assert.True(renewed.HoldCaptureBefore > renewed.EndsAt);
        Assert.Null(renewed.RenewalDueAt);
    }

    [Fact]
    public async Task PAY_4_PAY_5_a_soft_decline_before_the_start_is_tried_again_later_and_a_hard_one_cancels_at_once_without_retrying()
    {
        var startsAt = fixture.Time.GetUtcNow().AddDays(10).AddMinutes(MovedClockBookings.Minutes());
        var (soft, hard) = (MovedClockBookings.NewId(), MovedClockBookings.NewId());
        await Bookings.ReserveAsync(soft, MovedClockBookings.NewCustomer(), 5, startsAt, startsAt.AddHours(3), "pm_card_visa");
        await Bookings.ReserveAsync(hard, MovedClockBookings.NewCustomer(), 6, startsAt, startsAt.AddHours(3), "pm_card_visa");
        await DeclineSavedCardAsync(soft, "insufficient_funds");
        await DeclineSavedCardAsync(hard, "stolen_card");

        await Bookings.MoveToAsync(startsAt - Rules.AuthorizeBefore);
        var softFirst = await Bookings.TickAsync(soft);
        var hardFirst = await Bookings.TickAsync(hard);

        Assert.Equal(ReservationStatus.Confirmed, softFirst.Status);
        // Tried again an hour later (the tick itself took a few moved seconds).
        Assert.InRange(softFirst.AuthorizationDueAt!.Value, startsAt - Rules.AuthorizeBefore + Rules.AuthorizeRetryEvery,
            startsAt - Rules.AuthorizeBefore + Rules.AuthorizeRetryEvery + TimeSpan.FromMinutes(1));
        Assert.Equal(ReservationStatus.PaymentFailed, hardFirst.Status);
        Assert.Single(await Bookings.IntentsAsync(hard));

        // The card is fine again by the retry (funds came in): the booking is held.
        await UndeclineSavedCardAsync(soft);
        await Bookings.MoveToAsync(softFirst.AuthorizationDueAt!.Value);
        var softAgain = await Bookings.TickAsync(soft);
        var softIntents = await Bookings.IntentsAsync(soft);

        Assert.Equal(ReservationStatus.Confirmed, softAgain.Status);
        Assert.Null(softAgain.AuthorizationDueAt);
        Assert.Equal(2, softIntents.Count);
        Assert.Single(softIntents, intent => intent.GetProperty("status").GetString() == "requires_capture");
        Assert.Equal(ReservationStatus.PaymentFailed, (await Bookings.TickAsync(hard)).Status);
        Assert.Single(await Bookings.IntentsAsync(hard));
    }

    [Fact]
    public async Task PAY_3_a_booking_that_holds_nothing_yet_is_cancelled_free_with_no_call_that_moves_money()
    {
        var (id, startsAt) = (MovedClockBookings.NewId(), fixture.Time.GetUtcNow().AddDays(10).AddMinutes(MovedClockBookings.Minutes()));
        var customer = MovedClockBookings.NewCustomer();
        await Bookings.ReserveAsync(id, customer, 7, startsAt, startsAt.AddHours(3), "pm_card_visa");

        var cancelled = await fixture.DriveAsync(fixture.Grains.GetGrain<IReservationGrain>(id).CancelAsync(customer));
        await Bookings.MoveToAsync(startsAt - Rules.AuthorizeBefore);
        var later = await Bookings.TickAsync(id);

        Assert.Equal(ReservationStatus.Cancelled, cancelled.Status);
        Assert.Empty(cancelled.Fines);
        Assert.Null(cancelled.AuthorizationDueAt);
        // Nothing was ever held, and the planned authorisation never happens.
        Assert.Empty(await Bookings.IntentsAsync(id));
        Assert.Equal(ReservationStatus.Cancelled, later.Status);
        Assert.DoesNotContain(await fixture.Grains.GetGrain<IReservationGrain>(id).OwedAsync(), owed => owed.Kind == ObligationKind.Authorize);
    }

    /// <summary>The card the booking saved, as the issuer now answers it.</summary>
    private async Task DeclineSavedCardAsync(string reservationId, string declineCode) =>
        await Sandbox.PostAsync($"/sandbox/stripe/payment_methods/{await SavedCardAsync(reservationId)}/decline", new { declineCode });

    private async Task UndeclineSavedCardAsync(string reservationId) =>
        await Sandbox.PostAsync($"/sandbox/stripe/payment_methods/{await SavedCardAsync(reservationId)}/decline", new { honour = true });

    private async Task<string> SavedCardAsync(string reservationId) =>
        Assert.Single(await Bookings.SetupsAsync(reservationId)).GetProperty("payment_method").GetString()!;
}
