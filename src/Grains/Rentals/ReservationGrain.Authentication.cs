using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Rentals;

/// <summary>PAY-10: an intent that needs the customer to authenticate (3-D Secure) is no hold; the booking waits for them, and is given up at its deadline.</summary>
public sealed partial class ReservationGrain
{
    /// <summary>The customer must authenticate: the booking waits for them, told so, and is given up at the deadline.</summary>
    private async Task AskToAuthenticateAsync(string intentType, string intentId, string? clientSecret, string why)
    {
        var now = time.GetUtcNow();
        var giveUpAt = S.Request!.StartsAt - Rentals.AuthorizeGiveUpBefore;
        if (giveUpAt < now + Rentals.AuthenticationWindow)
        {
            giveUpAt = now + Rentals.AuthenticationWindow;
        }

        S.Authentication = new PaymentAuthentication(intentType, intentId, clientSecret ?? "", now, giveUpAt);
        Journal.Discharge(ObligationKind.Authorize);
        Journal.Owe(ObligationKind.GiveUpAuthentication, giveUpAt);
        Notify($"authenticate-{intentId}", AuthenticationTemplate, "Please confirm your payment in the app to keep your reservation");
        await MoveAsync(ReservationStatus.AwaitingAuthentication, TransitionCause.Automatic(why));
    }

    public async Task<ReservationView> ConfirmPaymentAsync(string customerId)
    {
        EnsureOwner(customerId);
        if (S.Status == ReservationStatus.AwaitingAuthentication)
        {
            try
            {
                await ResolveAuthenticationAsync();
            }
            catch (IntegrationException failure)
            {
                throw Unavailable(failure, "confirm the payment");
            }
        }

        await SettleAsync();
        return View();
    }

    /// <returns>Whether the intent the booking waited for is done: the card saved, or the amount held.</returns>
    private async Task<bool> ResolveAuthenticationAsync()
    {
        var asked = S.Authentication!;
        var now = time.GetUtcNow();
        if (asked.IntentType == PaymentAuthentication.SetupIntent)
        {
            var setup = await Payments.GetSetupAsync(asked.IntentId);
            if (setup.Status != SetupStatus.Succeeded)
            {
                return false;
            }

            S.SetupIntentId = setup.SetupIntentId;
            S.SavedPaymentMethodId = setup.PaymentMethodId ?? S.SavedPaymentMethodId;
            S.Authentication = null;
            Journal.Discharge(ObligationKind.GiveUpAuthentication);
            if (AuthorizeAt <= now)
            {
                // The start came near while the customer authenticated: hold now rather than at a time gone by.
                PlanAuthorization(now);
            }
            else
            {
                PlanAuthorization(AuthorizeAt);
            }

            Notify("confirmed", "RESERVATION_CONFIRMED", "Your reservation is confirmed");
            await MoveAsync(ReservationStatus.Confirmed, TransitionCause.Automatic("card authenticated and saved; to be authorised before the start"));
            return true;
        }

        var intent = await Payments.GetAsync(asked.IntentId);
        if (intent.Status != PaymentStatus.RequiresCapture)
        {
            return false;
        }

        HoldPlaced(intent, now);
        Notify("confirmed", "RESERVATION_CONFIRMED", "Your reservation is confirmed");
        await MoveAsync(ReservationStatus.Confirmed, TransitionCause.Automatic("payment authenticated and authorised"));
        return true;
    }

    /// <summary>Unresolved authentication at its deadline: cancelled without fee, whatever was begun at Stripe voided.</summary>
    private async Task GiveUpAuthenticationAsync()
    {
        try
        {
            if (await ResolveAuthenticationAsync())
            {
                return;
            }
        }
        catch (IntegrationException failure)
        {
            // Unknown is not authenticated: the deadline holds, and the void below finds anything Stripe holds.
            LogSettlementDeferred(failure, Id, "last look at the authentication");
        }

        Journal.Discharge(ObligationKind.GiveUpAuthentication);
        Journal.Discharge(ObligationKind.Renew);
        Journal.Owe(ObligationKind.Void);
        if (S.Authentication is { IntentType: PaymentAuthentication.PaymentIntent, IntentId: var waiting })
        {
            // The intent is known: cancelled at once, whatever Stripe's lagging search index shows the void later.
            try
            {
                await Payments.CancelAsync(waiting, $"{Id}/void/{waiting}");
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "cancelling the unauthenticated intent");
            }
        }

        S.Authentication = null;
        await Vehicle.ReleaseAsync(Id);
        S.ErrorCode = ErrorCodes.PaymentDeclined;
        S.ErrorMessage = "The payment was never authenticated; the reservation is cancelled at no cost.";
        Notify("cancelled", "RESERVATION_CANCELLED", "Your payment was not confirmed in time; your reservation is cancelled at no cost");
        await MoveAsync(ReservationStatus.Cancelled, TransitionCause.Automatic("payment not authenticated in time; cancelled without fee"));
    }
}
