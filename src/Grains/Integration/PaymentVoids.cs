using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Integration;

public static class PaymentVoids
{
    /// <summary>
    /// Cancels every authorisation Stripe holds for one flow. A create whose answer was lost is sent
    /// again under its own idempotency key first (PAY-12): Stripe answers it with the first answer for
    /// 24 hours, so the intent is found whatever its search index says, and Search, which Stripe
    /// updates with a lag, is only the second look (docs.stripe.com/search). Then every intent the
    /// flow's metadata names, for what a crash left unrecorded (PAY-9). The per-intent key makes a
    /// repeat harmless.
    /// </summary>
    public static async Task VoidAllAsync(this IPaymentAdapterGrain payments, string metadataKey, string flowId, IReadOnlyList<AuthorizePayment>? lostCreates = null)
    {
        var cancelled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var create in lostCreates ?? [])
        {
            PaymentRecord replayed;
            try
            {
                replayed = await payments.AuthorizeAsync(create);
            }
            catch (PaymentDeclinedException)
            {
                // The first answer was a decline: nothing is held.
                continue;
            }

            if (Voidable(replayed.Status))
            {
                await payments.CancelAsync(replayed.PaymentIntentId, $"{flowId}/void/{replayed.PaymentIntentId}");
                cancelled.Add(replayed.PaymentIntentId);
            }
        }

        foreach (var intent in await payments.FindByMetadataAsync(metadataKey, flowId))
        {
            if (Voidable(intent.Status) && !cancelled.Contains(intent.PaymentIntentId))
            {
                await payments.CancelAsync(intent.PaymentIntentId, $"{flowId}/void/{intent.PaymentIntentId}");
            }
        }
    }

    private static bool Voidable(PaymentStatus status) =>
        status is PaymentStatus.RequiresCapture or PaymentStatus.RequiresPaymentMethod or PaymentStatus.RequiresAuthentication;
}
