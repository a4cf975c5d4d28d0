namespace CaaS.Grains.Abstractions.Operations;

/// <summary>
/// The money and state reconciler (PAY-9, MOB-6): compares the platform's reservations,
/// service purchases and vehicles' timeslots with what the payment provider holds, and reports
/// every disagreement. Read-only: it changes nothing at Stripe or in any grain, so ops may run it at
/// any time; a mismatch on a flow that is still moving may be settled a moment later, so a report
/// is read against the flows' last moves.
/// </summary>
public interface IReconcilerGrain : IGrainWithIntegerKey
{
    /// <summary>PaymentIntents created in [from, before) (all of them when both are null), and every open flow.</summary>
    [ResponseTimeout("00:05:00")]
    Task<ReconciliationReport> RunAsync(DateTimeOffset? from, DateTimeOffset? before);
}

/// <summary>The stable codes of what the reconciler finds.</summary>
public static class MismatchKinds
{
    /// <summary>Stripe holds money for a flow that delivered nothing the platform charges for.</summary>
    public const string ChargeWithoutDelivery = "CHARGE_WITHOUT_DELIVERY";

    /// <summary>Two PaymentIntents of one flow took money, or hold it, at once (PAY-9).</summary>
    public const string DoubleCharge = "DOUBLE_CHARGE";

    /// <summary>An uncaptured hold is left on a flow that has ended (PAY-3).</summary>
    public const string HoldOnEndedFlow = "HOLD_ON_ENDED_FLOW";

    /// <summary>
    /// PAY-10: a hold whose capture_before falls before its rental's end, with no renewal planned
    /// before then: Stripe would cancel it while the rental still needs it.
    /// </summary>
    public const string HoldExpiresBeforeEnd = "HOLD_EXPIRES_BEFORE_END";

    /// <summary>
    /// PAY-11: a completed rental owes more (price and fines, less refunds) than Stripe was charged and
    /// than the debts ops were handed: money owed that nobody is collecting.
    /// </summary>
    public const string UnchargedDebt = "UNCHARGED_DEBT";

    /// <summary>PAY-11: Stripe refunded more of a completed rental than the fines it captured: a fine reduction gave back part of the price.</summary>
    public const string FineRefundedBeyondCaptured = "FINE_REFUNDED_BEYOND_CAPTURED";

    /// <summary>A flow that needs a hold has none at Stripe.</summary>
    public const string HoldMissing = "HOLD_MISSING";

    /// <summary>Stripe's net amount for a flow differs from what the flow recorded.</summary>
    public const string LedgerDiffers = "LEDGER_DIFFERS";

    /// <summary>A vehicle's timeslot is held by a reservation that was cancelled, rejected or never recorded (MOB-6).</summary>
    public const string TimeslotOfDeadReservation = "TIMESLOT_OF_DEAD_RESERVATION";

    /// <summary>Stripe holds money under a flow id the platform does not know.</summary>
    public const string UnknownFlow = "UNKNOWN_FLOW";
}

[GenerateSerializer, Immutable, Alias("caas.mismatch")]
public sealed record Mismatch(
    [property: Id(0)] string Kind,
    [property: Id(1)] string? FlowKind,
    [property: Id(2)] string? FlowId,
    [property: Id(3)] string? PaymentIntentId,
    [property: Id(4)] string Detail);

[GenerateSerializer, Immutable, Alias("caas.reconciliation-report")]
public sealed record ReconciliationReport(
    [property: Id(0)] DateTimeOffset CheckedAt,
    [property: Id(1)] DateTimeOffset? From,
    [property: Id(2)] DateTimeOffset? Before,
    [property: Id(3)] int PaymentIntents,
    [property: Id(4)] int Rentals,
    [property: Id(5)] int ServicePurchases,
    [property: Id(6)] int Vehicles,
    [property: Id(7)] IReadOnlyList<Mismatch> Mismatches);
