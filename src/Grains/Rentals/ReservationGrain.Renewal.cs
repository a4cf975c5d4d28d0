using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Rentals;

/// <summary>PAY-10: a hold that would lapse before the end is replaced in time; one Stripe let go is placed again.</summary>
public sealed partial class ReservationGrain
{
    /// <summary>
    /// The hold is about to lapse with the rental not yet ended. Before the start it is replaced; under
    /// way, what is owed (the price) is captured from it first and a new hold covers what may still come (fines).
    /// </summary>
    /// <returns>Whether something changed that is not stored yet.</returns>
    private async Task<bool> RenewDueAsync(DateTimeOffset now)
    {
        if (S.Status is not (ReservationStatus.Confirmed or ReservationStatus.Active))
        {
            return Journal.Discharge(ObligationKind.Renew);
        }

        var renewal = S.Renewals + 1;
        var amount = S.AuthorizedAmount!;
        try
        {
            if (S.Status == ReservationStatus.Active)
            {
                if (S.PrepaidIntentId is null)
                {
                    var prepaid = await Payments.CaptureAsync(S.PaymentIntentId!, S.Price!, $"{Id}/renew-{renewal}/capture");
                    S.PrepaidAmount = prepaid.AmountReceived;
                    S.PrepaidIntentId = S.PaymentIntentId;
                    S.CapturedAmount = prepaid.AmountReceived;
                    RecordMoney($"renew-{renewal}-capture", MoneyMovementType.Captured, prepaid.AmountReceived, 0, S.PaymentIntentId!);
                    await RecordAsync(FlowEntryKind.HoldRenewed, TransitionCause.Automatic($"hold about to lapse: the price is captured now ({prepaid.AmountReceived.Amount})"));
                }

                amount = new Money(Rentals.FineReserve, S.Price!.Currency);
            }

            var hold = await Payments.AuthorizeAsync(new AuthorizePayment($"{Id}/renew-{renewal}/authorize", amount, SavedCard, S.Request!.CustomerId,
                $"Rental {Id} (hold renewed)", PaymentTags($"renew-{renewal}"), S.StripeCustomerId, PaymentSession.OffSession,
                S.Request.EndsAt + Rentals.HoldMargin > now + Rentals.ExpectedOffSessionHoldValidity, RequestIncrementalAuthorization: true));
            if (hold.Status == PaymentStatus.RequiresAuthentication)
            {
                await HoldNotRenewedAsync("the bank asks the customer to authenticate the renewed hold");
                return false;
            }

            S.Renewals = renewal;
            HoldPlaced(hold, now);
            await RecordAsync(FlowEntryKind.HoldRenewed, TransitionCause.Automatic($"hold renewed; capturable until {S.HoldCaptureBefore:O}"));
        }
        catch (PaymentDeclinedException declined)
        {
            await HoldNotRenewedAsync($"the renewed hold was declined ({declined.DeclineCode})");
        }
        catch (IntegrationException failure)
        {
            LogSettlementDeferred(failure, Id, "hold renewal");
        }

        return false;
    }

    /// <summary>A hold that could not be renewed: ops decide (the rental's money is at risk), the customer is told.</summary>
    private async Task HoldNotRenewedAsync(string why)
    {
        Journal.Discharge(ObligationKind.Renew);
        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"hold-renewal/{Id}", OpsItemKind.Alert, "Rental hold could not be renewed",
            $"{why}; the current hold is capturable until {S.HoldCaptureBefore:O} and the rental ends {S.Request!.EndsAt:O}.", FlowKinds.Rental, Id, time.GetUtcNow(),
            new Dictionary<string, string> { ["customerId"] = S.Request.CustomerId, ["paymentIntentId"] = S.PaymentIntentId ?? "" }));
        Notify($"hold-renewal-{S.Renewals}", AuthenticationTemplate, "Please check your payment method for your rental");
        await RecordAsync(FlowEntryKind.HoldRenewed, TransitionCause.Automatic($"hold not renewed: {why}; ops alerted"));
    }

    /// <summary>
    /// Stripe cancelled the rental's hold on its own (it lapsed uncaptured): a booking that still needs
    /// one is authorised again off-session at once, rather than found empty at the return.
    /// </summary>
    private async Task HoldLostAsync(PaymentEvent canceled)
    {
        LogHoldLost(Id, canceled.PaymentIntentId);
        S.HoldCaptureBefore = null;
        Journal.Discharge(ObligationKind.Renew);
        PlanAuthorization(time.GetUtcNow());
        await RecordAsync(FlowEntryKind.Authorized, TransitionCause.Automatic($"Stripe cancelled the hold {canceled.PaymentIntentId}; authorising again"));
    }

    /// <summary>A hold replaced by another is cancelled; one already gone (cancelled, lapsed) needs nothing more.</summary>
    private async Task<bool> ReleaseReplacedAsync()
    {
        var changed = false;
        foreach (var replaced in Journal.OfKind(ObligationKind.Release).ToList())
        {
            try
            {
                await Payments.CancelAsync(replaced.Key, $"{Id}/release/{replaced.Key}");
                Journal.Discharge(ObligationKind.Release, replaced.Key);
                changed = true;
            }
            catch (DependencyRejectedException)
            {
                Journal.Discharge(ObligationKind.Release, replaced.Key);
                changed = true;
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "release of a replaced hold");
            }
        }

        return changed;
    }
}
