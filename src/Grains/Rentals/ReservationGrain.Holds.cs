using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Rentals;

/// <summary>
/// PAY-10, holds that cannot lapse. Every booking saves the card on the customer's Stripe Customer;
/// a booking that ends within what a hold placed now lasts is held at once, any other is held
/// off-session shortly before its start (a guard reminder due then, nothing ticking meanwhile). The
/// hold's validity is what Stripe reports (capture_before on its latest charge): one that would lapse
/// before the end is replaced in time. An intent that needs the customer to authenticate is no hold:
/// the booking waits for them, and is cancelled without fee if they never do.
/// </summary>
public sealed partial class ReservationGrain
{
    private const string AuthenticationTemplate = "PAYMENT_AUTHENTICATION_REQUIRED";

    /// <summary>Whether a hold placed now, customer-initiated, is expected to outlive the end; otherwise the card is only saved.</summary>
    private bool HoldAtBooking(DateTimeOffset now) =>
        S.Request!.EndsAt + Rentals.HoldMargin <= now + Rentals.ExpectedHoldValidity || AuthorizeAt <= now;

    private DateTimeOffset AuthorizeAt => S.Request!.StartsAt - Rentals.AuthorizeBefore;

    /// <summary>The metadata every intent of the rental carries; the consent is the booking's acceptance of later charges on the saved card.</summary>
    private Dictionary<string, string> PaymentTags(string? step = null)
    {
        var tags = new Dictionary<string, string> { [PaymentMetadata.ReservationId] = Id, ["vehicleId"] = S.Request!.VehicleId };
        if (S.OffSessionConsentAt is { } consent)
        {
            tags["offSessionConsentAt"] = consent.ToString("O");
        }

        if (step is not null)
        {
            tags["step"] = step;
        }

        return tags;
    }

    /// <summary>A hold Stripe placed: its capture_before is stored, and a renewal planned if it lapses before the end.</summary>
    private void HoldPlaced(PaymentRecord hold, DateTimeOffset now)
    {
        if (S.PaymentIntentId is { } previous && previous != hold.PaymentIntentId && previous != S.PrepaidIntentId)
        {
            // Released only once the new one is in place: the rental is never without a hold meanwhile.
            Journal.Owe(new Obligation(ObligationKind.Release, previous));
        }

        S.PaymentIntentId = hold.PaymentIntentId;
        S.HoldIncrementable = hold.IncrementalAuthorization;
        S.HeldAmount = hold.Amount;
        S.SavedPaymentMethodId = hold.PaymentMethodId ?? S.SavedPaymentMethodId;
        // Never assumed: an answer without capture_before is planned as the shortest validity there is.
        S.HoldCaptureBefore = hold.CaptureBefore ?? now + Rentals.ExpectedOffSessionHoldValidity;
        S.Authentication = null;
        Journal.Discharge(ObligationKind.Authorize);
        Journal.Discharge(ObligationKind.GiveUpAuthentication);
        if (S.HoldCaptureBefore < S.Request!.EndsAt + Rentals.HoldMargin)
        {
            Journal.Owe(ObligationKind.Renew, S.HoldCaptureBefore - Rentals.RenewBefore);
        }
        else
        {
            Journal.Discharge(ObligationKind.Renew);
        }
    }

    private void PlanAuthorization(DateTimeOffset at) => Journal.Owe(ObligationKind.Authorize, at);

    /// <summary>
    /// The hold owed off-session, once due: on the saved card, with an extended authorisation asked for
    /// where the end lies beyond a standard one. Each attempt has its own key, recorded before the call,
    /// so a crash replays Stripe's answer (PAY-9); a soft decline is tried again later (PAY-4), a hard one never (PAY-5).
    /// </summary>
    /// <returns>Whether something changed that is not stored yet.</returns>
    private async Task<bool> AuthorizeDueAsync(DateTimeOffset now)
    {
        if (S.Status is not (ReservationStatus.Confirmed or ReservationStatus.Active))
        {
            return Journal.Discharge(ObligationKind.Authorize);
        }

        var attempt = S.AuthorizeAttempts + 1;
        var extended = S.Request!.EndsAt + Rentals.HoldMargin > now + Rentals.ExpectedOffSessionHoldValidity;
        PaymentRecord hold;
        try
        {
            hold = await Payments.AuthorizeAsync(new AuthorizePayment($"{Id}/authorize-off-session-{attempt}", S.AuthorizedAmount!, SavedCard,
                S.Request.CustomerId, $"Rental {Id}", PaymentTags($"authorize-off-session-{attempt}"), S.StripeCustomerId, PaymentSession.OffSession, extended,
                RequestIncrementalAuthorization: true));
        }
        catch (PaymentDeclinedException declined)
        {
            await DeclinedBeforeStartAsync(declined, now);
            return false;
        }
        catch (IntegrationException failure)
        {
            // Same key next time: whatever Stripe did with this attempt is what the retry gets back.
            LogSettlementDeferred(failure, Id, "off-session authorisation");
            return false;
        }

        S.AuthorizeAttempts = attempt;
        if (hold.Status == PaymentStatus.RequiresAuthentication)
        {
            if (S.Status == ReservationStatus.Confirmed)
            {
                await AskToAuthenticateAsync(PaymentAuthentication.PaymentIntent, hold.PaymentIntentId, hold.ClientSecret,
                    "the bank asks the customer to authenticate the authorisation");
                return false;
            }

            Journal.Discharge(ObligationKind.Authorize);
            await HoldNotRenewedAsync("the bank asks the customer to authenticate, and the rental is under way");
            return false;
        }

        HoldPlaced(hold, now);
        await RecordAsync(FlowEntryKind.Authorized, TransitionCause.Automatic(
            $"authorised off-session on the saved card{(hold.ExtendedAuthorization ? " (extended authorisation)" : "")}; capturable until {S.HoldCaptureBefore:O}"));
        return false;
    }

    private string SavedCard => S.SavedPaymentMethodId ?? S.Request!.PaymentMethodId;

    private async Task DeclinedBeforeStartAsync(PaymentDeclinedException declined, DateTimeOffset now)
    {
        S.AuthorizeAttempts++;
        LogDeclined(Id, declined.DeclineCode);
        if (Declines.IsSoft(declined.DeclineCode) && S.AuthorizeAttempts <= Rentals.FailedPaymentRetries)
        {
            PlanAuthorization(now + Rentals.AuthorizeRetryEvery);
            await StoreAsync(now);
            return;
        }

        Journal.Discharge(ObligationKind.Authorize);
        if (S.Status != ReservationStatus.Confirmed)
        {
            await HoldNotRenewedAsync($"the card was declined ({declined.DeclineCode}) while the rental is under way");
            return;
        }

        await Vehicle.ReleaseAsync(Id);
        S.ErrorCode = ErrorCodes.PaymentDeclined;
        S.ErrorMessage = "The card was declined before the start; the reservation is cancelled and nothing was charged.";
        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"authorization-failed/{Id}", OpsItemKind.SupportTicket, "Booking cancelled: card declined",
            $"The off-session authorisation before the start was declined ({declined.DeclineCode}) after {S.AuthorizeAttempts} attempt(s).",
            FlowKinds.Rental, Id, now, new Dictionary<string, string> { ["customerId"] = S.Request!.CustomerId }));
        Notify("payment-failed", "RESERVATION_PAYMENT_FAILED", "Your card was declined; your reservation is cancelled at no cost");
        await MoveAsync(ReservationStatus.PaymentFailed, TransitionCause.Automatic($"card declined before the start ({declined.DeclineCode}); cancelled without fee"));
    }

    /// <summary>The customer cancels a booking that holds nothing: the timeslot is freed, and anything Stripe began (an intent waiting for authentication) voided.</summary>
    private async Task<ReservationView> CancelUnheldAsync(string customerId)
    {
        // The planned authorisation goes with the booking: nothing is held, nothing will be.
        Journal.Discharge(ObligationKind.Authorize);
        Journal.Discharge(ObligationKind.GiveUpAuthentication);
        Journal.Owe(ObligationKind.Void);
        S.Authentication = null;
        await Vehicle.ReleaseAsync(Id);
        Notify("cancelled", "RESERVATION_CANCELLED", S.Fines.Count == 0 ? "Your reservation is cancelled at no cost" : "Your reservation is cancelled");
        await MoveAsync(ReservationStatus.Cancelled, new TransitionCause("cancelled by the customer", customerId));
        await SettleAsync();
        return View();
    }

    /// <summary>A late-cancellation fee on a booking that holds nothing is charged off-session on the saved card; one that cannot be is left to ops.</summary>
    private async Task ChargeFeeOffSessionAsync(Money fee)
    {
        if (fee.Amount == 0)
        {
            return;
        }

        try
        {
            var charge = await Payments.AuthorizeAsync(new AuthorizePayment($"{Id}/cancellation-fee/authorize", fee, SavedCard, S.Request!.CustomerId,
                $"Rental {Id} (late cancellation)", PaymentTags("cancellation-fee"), S.StripeCustomerId, PaymentSession.OffSession));
            if (charge.Status == PaymentStatus.RequiresCapture)
            {
                var captured = await Payments.CaptureAsync(charge.PaymentIntentId, fee, $"{Id}/cancellation-fee");
                S.PaymentIntentId = charge.PaymentIntentId;
                S.CapturedAmount = captured.AmountReceived;
                S.Fines.Add(new Fine("late cancellation", fee));
                RecordMoney("cancellation-fee", MoneyMovementType.Captured, captured.AmountReceived, fee.Amount, charge.PaymentIntentId);
                return;
            }

            await FeeNotChargedAsync(fee, "the bank asks the customer to authenticate");
        }
        catch (PaymentDeclinedException declined)
        {
            await FeeNotChargedAsync(fee, $"the card was declined ({declined.DeclineCode})");
        }
        catch (IntegrationException failure)
        {
            throw Unavailable(failure, "cancel");
        }
    }

    private Task FeeNotChargedAsync(Money fee, string why) =>
        GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"cancellation-fee/{Id}", OpsItemKind.SupportTicket, "Late-cancellation fee not charged",
            $"{fee.Amount} {fee.Currency} could not be charged off-session: {why}.", FlowKinds.Rental, Id, time.GetUtcNow(),
            new Dictionary<string, string> { ["customerId"] = S.Request!.CustomerId }));

    /// <summary>The PAY-10 obligations that have fallen due, in the order a booking meets them.</summary>
    private async Task<bool> SettleHoldsAsync(DateTimeOffset now)
    {
        var changed = false;
        if (Journal.Owed(ObligationKind.GiveUpAuthentication) is { DueAt: { } giveUpAt } && giveUpAt <= now)
        {
            if (S.Status == ReservationStatus.AwaitingAuthentication)
            {
                await GiveUpAuthenticationAsync();
            }
            else
            {
                changed |= Journal.Discharge(ObligationKind.GiveUpAuthentication);
            }
        }

        if (Journal.Owed(ObligationKind.Authorize) is { DueAt: { } authorizeAt } && authorizeAt <= now)
        {
            changed |= await AuthorizeDueAsync(now);
        }

        if (Journal.Owed(ObligationKind.Renew) is { DueAt: { } renewAt } && renewAt <= now)
        {
            changed |= await RenewDueAsync(now);
        }

        if (Journal.Owes(ObligationKind.Release))
        {
            changed |= await ReleaseReplacedAsync();
        }

        return changed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: Stripe cancelled its hold {PaymentIntentId}; authorising again")]
    private partial void LogHoldLost(string reservationId, string paymentIntentId);
}

/// <summary>Which of Stripe's decline codes may succeed if tried again later (docs.stripe.com/declines/codes) and which never will.</summary>
public static class Declines
{
    private static readonly HashSet<string> Soft = new(StringComparer.Ordinal)
    {
        "insufficient_funds", "try_again_later", "processing_error", "issuer_not_available", "reenter_transaction", "approve_with_id",
        "withdrawal_count_limit_exceeded", "card_velocity_exceeded",
    };

    public static bool IsSoft(string declineCode) => Soft.Contains(declineCode);
}
