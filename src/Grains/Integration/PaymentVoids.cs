using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Integration;

public static class PaymentVoids
{
    /// <summary>
    /// Cancels every authorisation Stripe holds for one flow, found by its metadata rather than by the
    /// id the flow recorded: after a lost answer or a crash the flow may not know it was authorised
    /// (PAY-9). The per-intent key makes a repeat harmless.
    /// </summary>
    public static async Task VoidAllAsync(this IPaymentAdapterGrain payments, string metadataKey, string flowId)
    {
        foreach (var intent in await payments.FindByMetadataAsync(metadataKey, flowId))
        {
            if (intent.Status is PaymentStatus.RequiresCapture or PaymentStatus.RequiresPaymentMethod or PaymentStatus.RequiresAuthentication)
            {
                await payments.CancelAsync(intent.PaymentIntentId, $"{flowId}/void/{intent.PaymentIntentId}");
            }
        }
    }
}
