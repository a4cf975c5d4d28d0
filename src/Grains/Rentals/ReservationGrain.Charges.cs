using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Rentals;

/// <summary>
/// PAY-11, what is owed is charged. The return captures what the hold can give, raised first by an
/// incremental authorisation where the card allows one; whatever lies beyond the hold (or the whole
/// amount, when the hold lapsed) and every fine found after completion is charged off-session on the
/// saved card. A charge the bank refuses is a debt for ops; a capture Stripe refuses is tried again
/// with backoff, then handed to ops. Refunds of fines return only fines actually captured.
/// </summary>
public sealed partial class ReservationGrain
{
    private const string BeyondHold = "beyond-hold";

    /// <summary>The final capture; the rental completes once it went through.</summary>
    private async Task CaptureFinalAsync(Money owed, DateTimeOffset now)
    {
        var holdIntent = S.PaymentIntentId != S.PrepaidIntentId ? S.PaymentIntentId : null;
        var held = holdIntent is null ? 0 : (S.HeldAmount ?? S.AuthorizedAmount!).Amount;
        var (fromHold, beyond) = RentalRules.Split(owed, S.PrepaidAmount, held);
        var captured = owed with { Amount = 0 };
        try
        {
            if (beyond > 0 && S.HoldIncrementable && holdIntent is not null)
            {
                (fromHold, beyond) = await IncrementHoldAsync(holdIntent, owed with { Amount = fromHold + beyond }, fromHold, beyond);
            }

            if (fromHold > 0)
            {
                captured = await CaptureHoldAsync(holdIntent!, owed with { Amount = fromHold });
            }
            else if (holdIntent is not null)
            {
                Journal.Owe(new Obligation(ObligationKind.Release, holdIntent));
            }
        }
        catch (Exception refused) when (refused is PaymentDeclinedException or DependencyRejectedException)
        {
            await CaptureRefusedAsync((IntegrationException)refused, now);
            return;
        }
        catch (IntegrationException failure)
        {
            LogSettlementDeferred(failure, Id, "capture");
            return;
        }

        var prepaid = S.PrepaidAmount?.Amount ?? 0;
        var uncovered = owed.Amount - prepaid - captured.Amount;
        if (uncovered > 0)
        {
            Journal.Owe(new Obligation(ObligationKind.Charge, BeyondHold, Amount: owed with { Amount = uncovered }));
        }

        S.CapturedAmount = captured with { Amount = captured.Amount + prepaid };
        Journal.Discharge(ObligationKind.Capture);
        Journal.Discharge(ObligationKind.Renew);
        RecordMoney("capture", MoneyMovementType.Captured, captured, FinesIn(prepaid, captured.Amount), holdIntent ?? S.PaymentIntentId!);
        await Vehicle.ReleaseAsync(Id);
        Notify("completed", "RENTAL_COMPLETED", "Thank you for riding with us");
        await MoveAsync(ReservationStatus.Completed, TransitionCause.Automatic(uncovered > 0
            ? $"{captured.Amount} captured from the hold; {uncovered} beyond it is charged on the saved card"
            : "final amount captured"));
    }

    /// <summary>Raises the hold to cover it all; a card or account that refuses leaves the split as it was.</summary>
    private async Task<(long FromHold, long Beyond)> IncrementHoldAsync(string holdIntent, Money total, long fromHold, long beyond)
    {
        try
        {
            var raised = await Payments.IncrementAuthorizationAsync(holdIntent, total, $"{Id}/increment/{total.Amount}");
            S.HeldAmount = raised.Amount;
            S.HoldCaptureBefore = raised.CaptureBefore ?? S.HoldCaptureBefore;
            await RecordAsync(FlowEntryKind.HoldIncremented, TransitionCause.Automatic($"hold raised to {raised.Amount.Amount} to cover the fines"));
            return (total.Amount, 0);
        }
        catch (Exception refused) when (refused is PaymentDeclinedException or DependencyRejectedException)
        {
            S.HoldIncrementable = false;
            await RecordAsync(FlowEntryKind.HoldIncremented, TransitionCause.Automatic(
                $"incremental authorisation refused ({refused.Message}); {beyond} beyond the hold is charged on the saved card"));
            return (fromHold, beyond);
        }
    }

    /// <summary>
    /// Captures from the hold. A capture of another amount than the last one sent first reads the intent,
    /// which an earlier attempt may have captured, and uses a key of its own; a refusal reads it too.
    /// A hold Stripe let lapse gives nothing: what it was to give is charged on the saved card instead.
    /// </summary>
    private async Task<Money> CaptureHoldAsync(string holdIntent, Money amount)
    {
        if (S.CaptureTried is { } tried && tried != amount && await AlreadyCapturedAsync(holdIntent) is { } earlier)
        {
            return earlier;
        }

        S.CaptureTried = amount;
        DependencyRejectedException refused;
        try
        {
            return (await Payments.CaptureAsync(holdIntent, amount, $"{Id}/capture/{amount.Amount}")).AmountReceived;
        }
        catch (DependencyRejectedException rejected)
        {
            refused = rejected;
        }

        var intent = await Payments.GetAsync(holdIntent);
        return intent.Status switch
        {
            PaymentStatus.Succeeded => intent.AmountReceived,
            PaymentStatus.Canceled => amount with { Amount = 0 },
            _ => throw refused,
        };
    }

    private async Task<Money?> AlreadyCapturedAsync(string holdIntent)
    {
        var intent = await Payments.GetAsync(holdIntent);
        return intent.Status == PaymentStatus.Succeeded ? intent.AmountReceived : null;
    }

    private async Task CaptureRefusedAsync(IntegrationException refused, DateTimeOffset now)
    {
        S.CaptureAttempts++;
        var capture = Journal.Owed(ObligationKind.Capture)!;
        if (S.CaptureAttempts < Rentals.CaptureRetries)
        {
            var next = now + RentalRules.CaptureBackoff(Rentals, S.CaptureAttempts);
            Journal.Owe(capture with { DueAt = next });
            await RecordAsync(FlowEntryKind.CaptureRefused, TransitionCause.Automatic(
                $"Stripe refused the capture ({refused.Message}); try {S.CaptureAttempts} of {Rentals.CaptureRetries}, the next at {next:O}"));
            return;
        }

        Journal.Discharge(ObligationKind.Capture);
        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"capture-failed/{Id}", OpsItemKind.SupportTicket, "Rental capture refused",
            $"Stripe refused the final capture of {capture.Amount!.Amount} {capture.Amount.Currency} {S.CaptureAttempts} times: {refused.Message}",
            FlowKinds.Rental, Id, now, new Dictionary<string, string> { ["customerId"] = S.Request!.CustomerId, ["paymentIntentId"] = S.PaymentIntentId ?? "" }));
        await RecordAsync(FlowEntryKind.CaptureRefused, TransitionCause.Automatic(
            $"Stripe refused the capture {S.CaptureAttempts} times ({refused.Message}); ops took it over (capture-failed/{Id})"));
    }

    /// <summary>Every charge owed off-session goes out; a refusal becomes a debt, an outage waits for the next pass.</summary>
    private async Task ChargeOwedAsync()
    {
        foreach (var charge in Journal.OfKind(ObligationKind.Charge).ToList())
        {
            var amount = charge.Amount!;
            try
            {
                var authorized = await Payments.AuthorizeAsync(new AuthorizePayment($"{Id}/{charge.Key}/authorize", amount, SavedCard, S.Request!.CustomerId,
                    $"Rental {Id} ({charge.Key})", PaymentTags(charge.Key), S.StripeCustomerId, S.StripeCustomerId is null ? PaymentSession.OneOff : PaymentSession.OffSession));
                if (authorized.Status == PaymentStatus.RequiresAuthentication)
                {
                    await RecordDebtAsync(charge, "the bank wants the customer to authenticate it");
                    continue;
                }

                var taken = (await Payments.CaptureAsync(authorized.PaymentIntentId, amount, $"{Id}/{charge.Key}/capture")).AmountReceived;
                var before = S.CapturedAmount?.Amount ?? 0;
                S.CapturedAmount = taken with { Amount = before + taken.Amount };
                RecordMoney(charge.Key, MoneyMovementType.Captured, taken, FinesIn(before, taken.Amount), authorized.PaymentIntentId);
                Journal.Discharge(ObligationKind.Charge, charge.Key);
                await RecordAsync(FlowEntryKind.FineCharged, TransitionCause.Automatic($"{taken.Amount} {taken.Currency} charged off-session on the saved card ({charge.Key})"));
            }
            catch (PaymentDeclinedException declined)
            {
                await RecordDebtAsync(charge, $"the card was declined ({declined.DeclineCode})");
            }
            catch (DependencyRejectedException rejected)
            {
                await RecordDebtAsync(charge, $"Stripe refused the charge ({rejected.Reason})");
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "off-session charge");
            }
        }
    }

    /// <summary>Money the saved card would not give: ops collect it, the customer is told, nothing is tried again on its own.</summary>
    private async Task RecordDebtAsync(Obligation charge, string why)
    {
        var now = time.GetUtcNow();
        S.Debts.Add(new Debt(charge.Key, charge.Amount!, why, now));
        Journal.Discharge(ObligationKind.Charge, charge.Key);
        var total = DebtTotal!;
        await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"debt/{Id}", OpsItemKind.SupportTicket, "Rental money owed and not collected",
            $"{total.Amount} {total.Currency} owed: {string.Join("; ", S.Debts.Select(debt => $"{debt.Amount.Amount} for {debt.Step}: {debt.Reason}"))}",
            FlowKinds.Rental, Id, now, new Dictionary<string, string> { ["customerId"] = S.Request!.CustomerId, ["amount"] = total.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        Notify($"debt-{charge.Key}", "PAYMENT_FAILED", "We could not charge what you owe for your rental");
        await RecordAsync(FlowEntryKind.DebtRecorded, TransitionCause.Automatic($"{charge.Amount!.Amount} {charge.Amount.Currency} for {charge.Key} not collected: {why}; ops asked to collect it (debt/{Id})"));
    }

    /// <summary>
    /// A fine reduction after completion refunds only fines captured, from the intents that took them,
    /// newest first; the rental's price is never refunded this way.
    /// </summary>
    private async Task RefundFinesAsync(Money refund, string step)
    {
        var refundable = RentalRules.RefundableFines(S.MoneyMoves);
        var available = refundable.Sum(part => part.Amount);
        if (refund.Amount > available)
        {
            throw new DomainException(ErrorCodes.ValidationFailed,
                $"Only {available} {refund.Currency} of the fines captured is left to refund; the rental's price is not refunded this way.");
        }

        // Every refund goes out before anything is recorded: a retry after a failure plans the same parts
        // under the same keys, which Stripe answers from its first answers.
        var parts = new List<(string Intent, Money Part)>();
        var left = refund.Amount;
        foreach (var (intent, fines) in refundable.TakeWhile(_ => left > 0))
        {
            var part = refund with { Amount = Math.Min(left, fines) };
            parts.Add((intent, part));
            left -= part.Amount;
        }

        foreach (var (intent, part) in parts)
        {
            try
            {
                await Payments.RefundAsync(intent, part, $"{Id}/{step}/{intent}");
            }
            catch (IntegrationException failure)
            {
                throw Unavailable(failure, "refund");
            }
        }

        foreach (var (intent, part) in parts)
        {
            S.RefundedAmount = S.RefundedAmount is null ? part : S.RefundedAmount.Plus(part);
            RecordMoney($"{step}/{intent}", MoneyMovementType.Refunded, part, part.Amount, intent);
        }
    }

    /// <summary>How much of <paramref name="added"/>, captured on top of <paramref name="before"/>, is fines rather than the price.</summary>
    private long FinesIn(long before, long added) =>
        Math.Max(0, before + added - S.Price!.Amount) - Math.Max(0, before - S.Price.Amount);

    private Money? DebtTotal => S.Debts.Count == 0 ? null : S.Debts.Aggregate(Money.Zero(S.Debts[0].Amount.Currency), (sum, debt) => sum.Plus(debt.Amount));
}
