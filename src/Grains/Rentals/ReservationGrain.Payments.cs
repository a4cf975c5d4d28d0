using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Rentals;

/// <summary>The payment provider's later news about a rental's money (PAY-4), and the rental's money ledger (ADM-4).</summary>
public sealed partial class ReservationGrain
{
    public async Task OnPaymentEventAsync(PaymentEvent paymentEvent)
    {
        if (S.Status == ReservationStatus.AwaitingAuthentication && paymentEvent.PaymentIntentId == S.Authentication?.IntentId
            && paymentEvent.Kind != PaymentEventKind.Failed)
        {
            // PAY-10: Stripe's news that the customer authenticated counts as much as the app's confirmation.
            try
            {
                await ResolveAuthenticationAsync();
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "reading the authenticated intent");
            }

            await SettleAsync();
            return;
        }

        if (paymentEvent.Kind == PaymentEventKind.Canceled && paymentEvent.PaymentIntentId == S.PaymentIntentId && S.PaymentIntentId != S.PrepaidIntentId
            && S.Status is ReservationStatus.Confirmed or ReservationStatus.Active && !Journal.Owes(ObligationKind.Authorize))
        {
            await HoldLostAsync(paymentEvent);
            await SettleAsync();
            return;
        }

        if (paymentEvent.Kind != PaymentEventKind.Failed || S.Status != ReservationStatus.Completed
            || paymentEvent.PaymentIntentId != S.PaymentIntentId)
        {
            // Confirmations of what the saga already recorded, or a decline it already answered.
            return;
        }

        // PAY-4: the captured amount did not settle. Charge it again, a few times, then hand it to support.
        var owed = S.CapturedAmount!;
        var finesOwed = S.MoneyMoves.LastOrDefault(moved => moved.PaymentIntentId == paymentEvent.PaymentIntentId && moved.Type == MoneyMovementType.Captured)?.FinesAmount ?? 0;
        RecordMoney($"settlement-failed/{paymentEvent.PaymentIntentId}", MoneyMovementType.SettlementFailed, owed, finesOwed, paymentEvent.PaymentIntentId);
        while (S.RechargeAttempts < Rentals.FailedPaymentRetries)
        {
            S.RechargeAttempts++;
            var key = $"{Id}/recharge-{S.RechargeAttempts}";
            try
            {
                // The saved card, off-session, under the consent the booking recorded: a PaymentMethod used once
                // without its Customer may not be used again.
                var retry = await Payments.AuthorizeAsync(new AuthorizePayment(key + "/authorize", owed, SavedCard, S.Request!.CustomerId,
                    $"Rental {Id} (payment retry {S.RechargeAttempts})", new Dictionary<string, string>(PaymentTags()) { ["retry"] = key },
                    S.StripeCustomerId, S.StripeCustomerId is null ? PaymentSession.OneOff : PaymentSession.OffSession));
                var recharged = await Payments.CaptureAsync(retry.PaymentIntentId, owed, key + "/capture");
                S.PaymentIntentId = retry.PaymentIntentId;
                RecordMoney($"recharge-{S.RechargeAttempts}", MoneyMovementType.Captured, recharged.AmountReceived, finesOwed, retry.PaymentIntentId);
                await RecordAsync(FlowEntryKind.Recharged,
                    TransitionCause.Automatic($"payment failed ({paymentEvent.FailureMessage}); charged again on retry {S.RechargeAttempts}"));
                return;
            }
            catch (IntegrationException failure)
            {
                LogRetryFailed(failure, Id, S.RechargeAttempts);
            }
        }

        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"payment-failed/{Id}", OpsItemKind.SupportTicket, "Rental payment failed",
            $"{owed.Amount} {owed.Currency} did not settle and {Rentals.FailedPaymentRetries} new charges failed: {paymentEvent.FailureMessage}",
            FlowKinds.Rental, Id, time.GetUtcNow(), new Dictionary<string, string> { ["paymentIntentId"] = paymentEvent.PaymentIntentId, ["customerId"] = S.Request!.CustomerId }));
        Notify("payment-failed", "PAYMENT_FAILED", "We could not take the payment for your rental");
        await MoveAsync(ReservationStatus.PaymentFailed, TransitionCause.Automatic("payment failed after retries; support ticket opened"));
        await SettleAsync();
    }

    private void RecordMoney(string step, MoneyMovementType type, Money amount, long fines, string paymentIntentId) =>
        MoneyLedger.Record(S.MoneyMoves, new MoneyMoved($"{Id}/{step}", time.GetUtcNow(), RevenueKind.Rental, type, amount, fines, Id, paymentIntentId));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation {ReservationId}: payment retry {Attempt} failed")]
    private partial void LogRetryFailed(Exception exception, string reservationId, int attempt);
}
