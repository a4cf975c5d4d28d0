using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Rentals;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests;

/// <summary>
/// PAY-10 in platform time: reservations in an in-process cluster whose clock the test moves, against
/// the sandbox's Stripe, whose money clock is moved with it so both judge holds by the same day.
/// The guard reminder's ticks are delivered by the test at the times it was set for.
/// </summary>
[Collection(MovedClockCollection.Name)]
public sealed class HoldTimingTests(SandboxClusterFixture fixture) : IAsyncLifetime
{
    private static readonly RentalOptions Rules = new();

    private SandboxFixture Sandbox => fixture.Sandbox;

    public async Task InitializeAsync()
    {
        await Sandbox.ResetAsync();
        await Bookings.WarmUpAsync();
        // Earlier tests moved the cluster's clock: Stripe judges holds by the same day from the start.
        await Bookings.MoveToAsync(fixture.Time.GetUtcNow());
    }

    public async Task DisposeAsync()
    {
        (await Sandbox.Http.DeleteAsync(new Uri(Sandbox.BaseUrl + "/sandbox/clock"))).EnsureSuccessStatusCode();
        await Sandbox.ResetAsync();
    }

    [Fact]
    public async Task PAY_10_a_booking_ten_days_ahead_saves_the_card_holds_nothing_and_is_authorised_off_session_24_h_before_its_start()
    {
        var (id, startsAt) = (MovedClockBookings.NewId(), fixture.Time.GetUtcNow().AddDays(10).AddMinutes(MovedClockBookings.Minutes()));
        var customer = MovedClockBookings.NewCustomer();

        var booked = await Bookings.ReserveAsync(id, customer, 0, startsAt, startsAt.AddHours(4), "pm_card_visa");
        var heldAtBooking = await Bookings.IntentsAsync(id);
        var setup = Assert.Single(await Bookings.SetupsAsync(id));
        var guard = await Bookings.GuardAsync(id);

        Assert.Equal(ReservationStatus.Confirmed, booked.Status);
        Assert.Equal(startsAt - Rules.AuthorizeBefore, booked.AuthorizationDueAt);
        Assert.Null(booked.HoldCaptureBefore);
        Assert.Empty(heldAtBooking);
        Assert.Equal("succeeded", setup.GetProperty("status").GetString());
        Assert.Equal("off_session", setup.GetProperty("usage").GetString());
        Assert.StartsWith("cus_", setup.GetProperty("payment_method_customer").GetString());
        // One reminder, due when the authorisation is: nothing ticks meanwhile.
        Assert.InRange(guard.StartAt, (startsAt - Rules.AuthorizeBefore).UtcDateTime.AddHours(-1), (startsAt - Rules.AuthorizeBefore).UtcDateTime.AddHours(1));

        await Bookings.MoveToAsync(startsAt - Rules.AuthorizeBefore);
        var authorised = await Bookings.TickAsync(id);
        var hold = Assert.Single(await Bookings.IntentsAsync(id));

        Assert.Equal(ReservationStatus.Confirmed, authorised.Status);
        Assert.Null(authorised.AuthorizationDueAt);
        Assert.Equal("requires_capture", hold.GetProperty("status").GetString());
        Assert.True(hold.GetProperty("off_session").GetBoolean());
        Assert.Equal(setup.GetProperty("customer").GetString(), hold.GetProperty("customer").GetString());
        Assert.Equal(setup.GetProperty("payment_method").GetString(), hold.GetProperty("payment_method").GetString());
        Assert.Equal("disabled", hold.GetProperty("extended_authorization").GetString());
        Assert.Equal(authorised.AuthorizedAmount!.Amount, hold.GetProperty("amount").GetInt64());
        // Stripe's own word on the hold (5 days, merchant-initiated Visa) is what the rental keeps.
        Assert.Equal(hold.GetProperty("capture_before").GetInt64(), authorised.HoldCaptureBefore!.Value.ToUnixTimeSeconds());
        Assert.True(authorised.HoldCaptureBefore > authorised.EndsAt);
        Assert.Null(authorised.RenewalDueAt);
    }

    [Fact]
    public async Task PAY_10_a_booking_ending_beyond_a_standard_hold_asks_for_an_extended_authorisation()
    {
        var (id, startsAt) = (MovedClockBookings.NewId(), fixture.Time.GetUtcNow().AddDays(12).AddMinutes(MovedClockBookings.Minutes()));

        var booked = await Bookings.ReserveAsync(id, MovedClockBookings.NewCustomer(), 1, startsAt, startsAt.AddDays(9), "pm_card_visa");
        await Bookings.MoveToAsync(startsAt - Rules.AuthorizeBefore);
        var authorised = await Bookings.TickAsync(id);
        var hold = Assert.Single(await Bookings.IntentsAsync(id));

        Assert.Equal(startsAt - Rules.AuthorizeBefore, booked.AuthorizationDueAt);
        Assert.Equal("enabled", hold.GetProperty("extended_authorization").GetString());
        Assert.True(authorised.HoldCaptureBefore > authorised.EndsAt + Rules.HoldMargin, "an extended hold outlives the ten-day rental");
        Assert.Null(authorised.RenewalDueAt);
    }

    [Fact]
    public async Task PAY_10_a_card_that_needs_authentication_off_session_asks_the_customer_and_unresolved_the_booking_is_cancelled_without_fee()
    {
        var (id, startsAt) = (MovedClockBookings.NewId(), fixture.Time.GetUtcNow().AddDays(10).AddMinutes(MovedClockBookings.Minutes()));
        var customer = MovedClockBookings.NewCustomer();

        // Stripe's "always authenticate" card: at the setup, and again for every off-session payment.
        var booked = await Bookings.ReserveAsync(id, customer, 2, startsAt, startsAt.AddHours(3), "pm_card_authenticationRequired");
        var asked = booked.Authentication!;
        var stillWaiting = await fixture.Grains.GetGrain<IReservationGrain>(id).ConfirmPaymentAsync(customer);
        await Sandbox.PostAsync($"/sandbox/stripe/setup_intents/{asked.IntentId}/authenticate", new { clientSecret = asked.ClientSecret });
        var saved = await fixture.DriveAsync(fixture.Grains.GetGrain<IReservationGrain>(id).ConfirmPaymentAsync(customer));

        Assert.Equal(ReservationStatus.AwaitingAuthentication, booked.Status);
        Assert.Equal(PaymentAuthentication.SetupIntent, asked.IntentType);
        Assert.StartsWith(asked.IntentId + "_secret_", asked.ClientSecret);
        Assert.Equal(ReservationStatus.AwaitingAuthentication, stillWaiting.Status);
        Assert.Equal(ReservationStatus.Confirmed, saved.Status);
        Assert.Equal(startsAt - Rules.AuthorizeBefore, saved.AuthorizationDueAt);

        await Bookings.MoveToAsync(startsAt - Rules.AuthorizeBefore);
        var offSession = await Bookings.TickAsync(id);
        var waiting = Assert.Single(await Bookings.IntentsAsync(id));
        var told = await Eventually.Until(() => Bookings.NotificationsAsync(customer),
            sent => sent.Any(item => item.GetProperty("template").GetString() == "PAYMENT_AUTHENTICATION_REQUIRED"), "the customer to be asked");

        Assert.Equal(ReservationStatus.AwaitingAuthentication, offSession.Status);
        Assert.Equal(PaymentAuthentication.PaymentIntent, offSession.Authentication!.IntentType);
        Assert.Equal(waiting.GetProperty("id").GetString(), offSession.Authentication.IntentId);
        Assert.Equal(startsAt - Rules.AuthorizeGiveUpBefore, offSession.Authentication.GiveUpAt);
        Assert.Equal("requires_payment_method", waiting.GetProperty("status").GetString());
        Assert.Null(offSession.HoldCaptureBefore);

        await Bookings.MoveToAsync(startsAt - Rules.AuthorizeGiveUpBefore);
        var givenUp = await Bookings.TickAsync(id);
        var after = Assert.Single(await Bookings.IntentsAsync(id));

        Assert.Equal(ReservationStatus.Cancelled, givenUp.Status);
        Assert.Empty(givenUp.Fines);
        Assert.Null(givenUp.CapturedAmount);
        Assert.Equal("canceled", after.GetProperty("status").GetString());
        Assert.Equal(0, after.GetProperty("amount_received").GetInt64());
        Assert.Contains(told, item => item.GetProperty("template").GetString() == "PAYMENT_AUTHENTICATION_REQUIRED");
        Assert.DoesNotContain(await fixture.Grains.GetGrain<IReservationGrain>(id).OwedAsync(), owed => owed.Kind is ObligationKind.Authorize
            or ObligationKind.GiveUpAuthentication or ObligationKind.Renew);
    }

    [Fact]
    public async Task PAY_10_a_saved_PaymentMethod_cannot_be_reused_without_its_Customer_and_a_test_token_makes_a_new_one_each_time()
    {
        var (first, second) = (MovedClockBookings.NewId(), MovedClockBookings.NewId());
        var startsAt = fixture.Time.GetUtcNow().AddDays(2).AddMinutes(MovedClockBookings.Minutes());
        await Bookings.ReserveAsync(first, MovedClockBookings.NewCustomer(), 3, startsAt, startsAt.AddHours(2), "pm_card_visa");
        await Bookings.ReserveAsync(second, MovedClockBookings.NewCustomer(), 3, startsAt.AddHours(3), startsAt.AddHours(5), "pm_card_visa");
        var firstIntents = await Bookings.IntentsAsync(first);
        var (a, b) = (Assert.Single(firstIntents), Assert.Single(await Bookings.IntentsAsync(second)));
        var saved = a.GetProperty("payment_method").GetString()!;

        var stripe = new Stripe.StripeClient(CaaS.TestSupport.SandboxSecrets.StripeSecretKey, apiBase: Sandbox.BaseUrl);
        var reuse = await Assert.ThrowsAsync<Stripe.StripeException>(() => stripe.V1.PaymentIntents.CreateAsync(new Stripe.PaymentIntentCreateOptions
        {
            Amount = 1_000, Currency = "eur", CaptureMethod = "manual", Confirm = true, PaymentMethod = saved,
        }));

        Assert.StartsWith("pm_", saved);
        Assert.NotEqual("pm_card_visa", saved);
        Assert.NotEqual(saved, b.GetProperty("payment_method").GetString());
        Assert.NotEqual(a.GetProperty("customer").GetString(), b.GetProperty("customer").GetString());
        Assert.Equal("requires_capture", a.GetProperty("status").GetString());
        Assert.Equal(400, (int)reuse.HttpStatusCode);
        Assert.Equal("customer", reuse.StripeError.Param);
    }

    private MovedClockBookings Bookings => new(fixture);
}
