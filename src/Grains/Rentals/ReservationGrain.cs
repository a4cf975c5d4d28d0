using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Customers;
using CaaS.Grains.Flows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Rentals;

/// <summary>
/// The reservation saga. Every step that touches another party is preceded by a persisted record of
/// what may be left behind (the hold, the authorisation), and a guard reminder stands while the
/// reservation owes anything: a crash at any point leaves either a retry that resumes (same
/// idempotency keys, so never a second PaymentIntent, PAY-9) or the guard that undoes it. This file
/// holds creation; the journey (cancel, unlock, return), ops' changes, payment news and settlement
/// live in the files beside it.
/// </summary>
public sealed partial class ReservationGrain(
    [PersistentState("reservation", StorageNames.Grains)] IPersistentState<ReservationState> state,
    IOptionsMonitor<RentalOptions> options,
    IOptionsMonitor<FlowOptions> flowOptions,
    IOptionsMonitor<Analytics.AnalyticsOptions> analyticsOptions,
    TimeProvider time,
    ILogger<ReservationGrain> logger) : Grain, IReservationGrain, IRemindable, IStoredFlowGrain
{
    private string Id => this.GetPrimaryKeyString();

    private RentalOptions Rentals => options.CurrentValue;

    private ReservationState S => state.State;

    private FlowJournal Journal => S.Journal;

    private IVehicleGrain Vehicle => GrainFactory.GetGrain<IVehicleGrain>(S.Vin);

    private IPaymentAdapterGrain Payments => GrainFactory.GetGrain<IPaymentAdapterGrain>(0);

    private GuardKeeper? _guard;

    private Events.OutboxPublisher? _outbox;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ReservationFlow.Upgrade(S, Rentals);
        Outbox.PublishSoon();
        if (Journal.Owes(ObligationKind.ConfirmLock))
        {
            // A return whose LOCK was still followed when the last activation ended (its silo died, or
            // the guard woke it). A LOCK it left queued may have died with that silo's queue: it is sent
            // again, and a second LOCK of a car is harmless.
            if (S.ReturnLock is { Queued: true } queued)
            {
                S.ReturnLock = queued with { Queued = false };
            }

            ArmLockTimer();
        }

        return Task.CompletedTask;
    }

    public async Task<ReservationView> CreateAsync(CreateReservation request)
    {
        if (S.Request is not null)
        {
            if (S.Request != request)
            {
                throw new DomainException(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was used for a different reservation request.");
            }

            if (S.Status != ReservationStatus.Pending)
            {
                return Replay();
            }

            // Past its deadline a creation is undone, never finished: the guard may be voiding it on
            // another activation right now, and an authorisation started here would outlive that void.
            if (CreationIsOverdue)
            {
                await AbandonCreationAsync();
                await SettleAsync();
                throw new DomainException(S.ErrorCode!, S.ErrorMessage!);
            }

            var listed = await GrainFactory.GetGrain<IFleetCatalogGrain>(0).FindAsync(request.VehicleId);
            return await CompleteCreationAsync(listed?.Status ?? VehicleStatus.Unknown);
        }

        var now = time.GetUtcNow();
        RentalRules.EnsureBookable(Rentals, request, now);
        var vehicle = await GrainFactory.GetGrain<IFleetCatalogGrain>(0).FindAsync(request.VehicleId)
            ?? throw new DomainException(ErrorCodes.NotFound, $"Vehicle {request.VehicleId} was not found.");
        var customer = await GrainFactory.GetGrain<ICustomerGrain>(request.CustomerId).GetStatusAsync();
        CustomerEligibility.Ensure(customer.Profile, Rentals.MinimumCreditScore);

        var price = RentalRules.Price(Rentals, vehicle.Category, request.StartsAt, request.EndsAt);
        S.Request = request;
        S.Vin = vehicle.Vin;
        S.Category = vehicle.Category;
        S.CreatedAt = now;
        S.Price = price;
        S.AuthorizedAmount = RentalRules.ToAuthorize(Rentals, price);
        Journal.Owe(ObligationKind.FinishOrAbandon, now + Rentals.AbandonCreationAfter);
        // The guard exists before anything it guards: a crash after this line is always cleaned up.
        await KeepGuardAsync();
        await MoveAsync(ReservationStatus.Pending, TransitionCause.Automatic("reservation requested"));
        return await CompleteCreationAsync(vehicle.Status);
    }

    /// <param name="fleetStatus">FLT-4: Fleet Management's status, which counts while the platform has none of its own.</param>
    private async Task<ReservationView> CompleteCreationAsync(VehicleStatus fleetStatus)
    {
        var request = S.Request!;
        var hold = await Vehicle.HoldAsync(Id, request.StartsAt, request.EndsAt, fleetStatus);
        if (hold != HoldOutcome.Held)
        {
            return await RejectAsync(ReservationStatus.Rejected, ErrorCodes.VehicleUnavailable,
                hold == HoldOutcome.Taken ? "The vehicle is already reserved for part of that time." : "The vehicle cannot be rented right now.");
        }

        // PAY-10: every booking saves the card, on the customer's own Stripe Customer.
        try
        {
            S.StripeCustomerId ??= await GrainFactory.GetGrain<ICustomerGrain>(request.CustomerId).StripeCustomerAsync();
        }
        catch (IntegrationException failure)
        {
            LogAuthorizationUncertain(failure, Id);
            await Vehicle.ReleaseAsync(Id);
            return await RejectAsync(ReservationStatus.Rejected, ErrorCodes.DependencyUnavailable,
                "The payment provider could not be reached; nothing was booked or charged. Please try again.");
        }

        S.OffSessionConsentAt ??= S.CreatedAt;
        var now = time.GetUtcNow();
        return HoldAtBooking(now) ? await HoldAtBookingAsync(request, now) : await SaveCardAtBookingAsync(request);
    }

    /// <summary>The end lies within what a hold placed now lasts (or the start is too near to wait): held at once, the card saved with it.</summary>
    private async Task<ReservationView> HoldAtBookingAsync(CreateReservation request, DateTimeOffset now)
    {
        PaymentRecord authorization;
        var create = new AuthorizePayment($"{Id}/authorize", S.AuthorizedAmount!, request.PaymentMethodId,
            request.CustomerId, $"Rental {Id}", PaymentTags(), S.StripeCustomerId, PaymentSession.OnSessionSavingCard,
            RequestExtendedAuthorization: request.EndsAt + Rentals.HoldMargin > now + Rentals.ExpectedHoldValidity, RequestIncrementalAuthorization: true);
        try
        {
            authorization = await Payments.AuthorizeAsync(create);
        }
        catch (PaymentDeclinedException declined)
        {
            await Vehicle.ReleaseAsync(Id);
            LogDeclined(Id, declined.DeclineCode);
            return await RejectAsync(ReservationStatus.PaymentFailed, ErrorCodes.PaymentDeclined, "The card was declined; no money was reserved.");
        }
        catch (IntegrationException failure)
        {
            // Stripe may have authorised before the answer was lost: leave a void to the guard.
            LogAuthorizationUncertain(failure, Id);
            await Vehicle.ReleaseAsync(Id);
            Journal.Owe(new Obligation(ObligationKind.Void, LostCreate: create));
            return await RejectAsync(ReservationStatus.Rejected, ErrorCodes.DependencyUnavailable,
                "The payment provider could not be reached; nothing was booked or charged. Please try again.");
        }

        if (authorization.Status == PaymentStatus.RequiresAuthentication)
        {
            // Not a hold (PAY-10): nothing is reserved until the customer authenticates in the app.
            S.PaymentIntentId = authorization.PaymentIntentId;
            await AskToAuthenticateAsync(PaymentAuthentication.PaymentIntent, authorization.PaymentIntentId, authorization.ClientSecret,
                "the card needs the customer to authenticate the payment");
            await SettleAsync();
            return View();
        }

        HoldPlaced(authorization, now);
        Notify("confirmed", "RESERVATION_CONFIRMED", "Your reservation is confirmed");
        await MoveAsync(ReservationStatus.Confirmed, TransitionCause.Automatic("payment authorised"));
        await SettleAsync();
        return View();
    }

    /// <summary>
    /// A hold placed now would lapse before the end: the card is saved for off-session use (SetupIntent),
    /// nothing is held, and the authorisation is owed <see cref="RentalOptions.AuthorizeBefore"/> before the start.
    /// </summary>
    private async Task<ReservationView> SaveCardAtBookingAsync(CreateReservation request)
    {
        SetupRecord setup;
        try
        {
            setup = await Payments.SetUpAsync(new SetUpPayment($"{Id}/save-card", request.PaymentMethodId, S.StripeCustomerId!, PaymentTags()));
        }
        catch (PaymentDeclinedException declined)
        {
            await Vehicle.ReleaseAsync(Id);
            LogDeclined(Id, declined.DeclineCode);
            return await RejectAsync(ReservationStatus.PaymentFailed, ErrorCodes.PaymentDeclined, "The card was declined; nothing was reserved or charged.");
        }
        catch (IntegrationException failure)
        {
            // A SetupIntent holds no money: a lost answer leaves nothing to void.
            LogAuthorizationUncertain(failure, Id);
            await Vehicle.ReleaseAsync(Id);
            return await RejectAsync(ReservationStatus.Rejected, ErrorCodes.DependencyUnavailable,
                "The payment provider could not be reached; nothing was booked or charged. Please try again.");
        }

        S.SetupIntentId = setup.SetupIntentId;
        switch (setup.Status)
        {
            case SetupStatus.Succeeded:
                S.SavedPaymentMethodId = setup.PaymentMethodId;
                PlanAuthorization(AuthorizeAt);
                Notify("confirmed", "RESERVATION_CONFIRMED", "Your reservation is confirmed");
                await MoveAsync(ReservationStatus.Confirmed, TransitionCause.Automatic($"card saved; to be authorised off-session at {AuthorizeAt:O}"));
                break;
            case SetupStatus.RequiresAuthentication:
                await AskToAuthenticateAsync(PaymentAuthentication.SetupIntent, setup.SetupIntentId, setup.ClientSecret,
                    "the card needs the customer to authenticate before it can be saved");
                break;
            default:
                await Vehicle.ReleaseAsync(Id);
                return await RejectAsync(ReservationStatus.PaymentFailed, ErrorCodes.PaymentDeclined, "The card could not be saved; nothing was reserved or charged.");
        }

        await SettleAsync();
        return View();
    }

    private async Task<ReservationView> RejectAsync(ReservationStatus status, string code, string message)
    {
        S.ErrorCode = code;
        S.ErrorMessage = message;
        await MoveAsync(status, TransitionCause.Automatic(message));
        await SettleAsync();
        throw new DomainException(code, message);
    }

    /// <remarks>
    /// A creation the guard abandoned (Pending → Cancelled) was never answered: its caller's silo died
    /// under it. Its retry gets the refusal the creation ended in, never a 201 for a booking that holds nothing.
    /// </remarks>
    private ReservationView Replay() =>
        S.ErrorCode is { } code && (S.Status is ReservationStatus.Rejected or ReservationStatus.PaymentFailed || CreationWasAbandoned)
            ? throw new DomainException(code, S.ErrorMessage ?? code)
            : View();

    private bool CreationWasAbandoned =>
        S.Status == ReservationStatus.Cancelled
        && S.History.LastOrDefault(entry => entry.To == nameof(ReservationStatus.Cancelled))?.From == nameof(ReservationStatus.Pending);

    public Task<ReservationView?> GetAsync(string customerId) =>
        Task.FromResult(S.Request?.CustomerId == customerId ? View() : null);

    public Task<ReservationView?> InspectAsync() => Task.FromResult(S.Request is null ? null : View());

    private void EnsureOwner(string customerId)
    {
        if (S.Request?.CustomerId != customerId || S.Status is ReservationStatus.Rejected)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Reservation {Id} was not found.");
        }
    }

    private void EnsureExists()
    {
        if (S.Request is null)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Rental {Id} was not found.");
        }
    }

    private ReservationView View() => new(Id, S.Request!.CustomerId, S.Request.VehicleId, S.Vin, S.Request.StartsAt, S.Request.EndsAt, S.Status,
        S.AuthorizedAmount, S.CapturedAmount, [.. S.Fines], [.. S.History], S.ErrorCode, S.ErrorMessage, [.. S.VerificationIssues], S.RefundedAmount, S.CreatedAt,
        S.Status == ReservationStatus.AwaitingAuthentication ? S.Authentication : null, Journal.Owed(ObligationKind.Authorize)?.DueAt,
        S.PaymentIntentId is null || S.PaymentIntentId == S.PrepaidIntentId ? null : S.HoldCaptureBefore, Journal.Owed(ObligationKind.Renew)?.DueAt,
        S.PaymentIntentId, S.ReturnProof,
        S.Price is null || S.ReturnedAt is null ? null : RentalRules.Owed(S.Price, S.Fines),
        S.Price is null ? null : new Money(S.MoneyMoves.Sum(moved => moved.Type switch
        {
            MoneyMovementType.Captured => moved.FinesAmount,
            MoneyMovementType.SettlementFailed => -moved.FinesAmount,
            _ => 0,
        }), S.Price.Currency),
        DebtTotal,
        [.. S.MoneyMoves.Where(moved => moved.Type == MoneyMovementType.Captured).Select(moved => moved.PaymentIntentId).Distinct()]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reservation {ReservationId}: card declined ({DeclineCode}); timeslot released")]
    private partial void LogDeclined(string reservationId, string? declineCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: authorisation outcome unknown; any authorisation will be voided")]
    private partial void LogAuthorizationUncertain(Exception exception, string reservationId);
}
