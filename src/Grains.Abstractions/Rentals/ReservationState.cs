using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Notifications;

namespace CaaS.Grains.Abstractions.Rentals;

/// <remarks>Ids 14 and 21 held fields that are gone: never reuse them.</remarks>
[GenerateSerializer, Alias("caas.reservation-state")]
public sealed class ReservationState : IFlowState<ReservationStatus>
{
    [Id(0)] public CreateReservation? Request { get; set; }
    [Id(1)] public string Vin { get; set; } = "";
    [Id(2)] public string Category { get; set; } = "";
    [Id(3)] public ReservationStatus Status { get; set; }
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    [Id(5)] public string? PaymentIntentId { get; set; }
    [Id(6)] public Money? AuthorizedAmount { get; set; }
    [Id(7)] public Money? CapturedAmount { get; set; }
    [Id(8)] public Money? RefundedAmount { get; set; }
    [Id(9)] public List<Fine> Fines { get; set; } = [];
    [Id(10)] public List<TransitionRecord> History { get; set; } = [];
    [Id(11)] public string? ErrorCode { get; set; }
    [Id(12)] public string? ErrorMessage { get; set; }
    [Id(13)] public List<string> VerificationIssues { get; set; } = [];
    [Id(15)] public ReturnProof? ReturnProof { get; set; }
    [Id(16)] public DateTimeOffset? ReturnedAt { get; set; }
    [Id(20)] public int RechargeAttempts { get; set; }
    [Id(22)] public Money? Price { get; set; }
    [Id(24)] public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>ADM-4: every movement of money at Stripe for this rental, as published to the revenue projection.</summary>
    [Id(25)] public List<Operations.MoneyMoved> MoneyMoves { get; set; } = [];

    [Id(26)] public FlowJournal Journal { get; set; } = new();

    // PAY-10: the card saved for off-session use, and what Stripe said about the hold.
    [Id(27)] public string? StripeCustomerId { get; set; }
    [Id(28)] public string? SavedPaymentMethodId { get; set; }

    /// <summary>When the customer agreed, by booking, to later charges on the saved card (off-session consent).</summary>
    [Id(29)] public DateTimeOffset? OffSessionConsentAt { get; set; }

    /// <summary>The hold's capture_before as Stripe reported it on its latest charge.</summary>
    [Id(30)] public DateTimeOffset? HoldCaptureBefore { get; set; }
    [Id(31)] public string? SetupIntentId { get; set; }
    [Id(32)] public PaymentAuthentication? Authentication { get; set; }

    /// <summary>Off-session authorisations tried so far; each attempt has its own idempotency key.</summary>
    [Id(33)] public int AuthorizeAttempts { get; set; }
    [Id(34)] public int Renewals { get; set; }

    /// <summary>What a renewal captured before the end (the price), and from which intent.</summary>
    [Id(35)] public Money? PrepaidAmount { get; set; }
    [Id(36)] public string? PrepaidIntentId { get; set; }

    // MOB-7 and IOT-9 (issue 15). Numbered apart from the rest so that fields added beside them in
    // the same release cannot take the same ids.

    /// <summary>MOB-7: what the vehicle itself reported when its return was judged; null when no report could be had.</summary>
    [Id(40)] public ReturnWitness? ReturnWitness { get; set; }

    /// <summary>The energy the return is judged by: the vehicle's own when it witnessed, else the customer's claim.</summary>
    [Id(41)] public int? JudgedEnergyPercent { get; set; }

    /// <summary>The return passed verification, by the vehicle's telemetry or by ops (ADM-2); the capture waits only for the lock.</summary>
    [Id(42)] public bool ReturnAccepted { get; set; }

    /// <summary>The LOCK sent at return and what became of it; null before a return (and for returns stored before it existed).</summary>
    [Id(43)] public ReturnLock? ReturnLock { get; set; }

    /// <summary>The odometer the vehicle last reported when it was unlocked, so a return cannot read less.</summary>
    [Id(44)] public double? OdometerAtUnlock { get; set; }

    /// <summary>PAY-11: the hold's card allows incremental authorisation (Stripe said so on its latest charge), and no increment was refused yet.</summary>
    [Id(45)] public bool HoldIncrementable { get; set; }

    /// <summary>PAY-11: final captures Stripe refused so far (the next waits longer; after the last, ops take it).</summary>
    [Id(46)] public int CaptureAttempts { get; set; }

    /// <summary>The amount the final capture was last sent with: another amount reads the intent first, then uses a key of its own.</summary>
    [Id(47)] public Money? CaptureTried { get; set; }

    /// <summary>PAY-11: money owed that the saved card refused; ops collect it (debt/{rentalId}).</summary>
    [Id(48)] public List<Debt> Debts { get; set; } = [];

    /// <summary>What the current hold holds (the first one's is <see cref="AuthorizedAmount"/>; a renewed or incremented one's differs).</summary>
    [Id(49)] public Money? HeldAmount { get; set; }

    // Written by versions before the flow journal, which kept obligations as flags; read once by the
    // upgrade into the journal, never written again.
    [Id(17)] public Money? LegacyCapturePending { get; set; }
    [Id(18)] public bool LegacyVoidPending { get; set; }
    [Id(19)] public List<OutboxMessage>? LegacyOutbox { get; set; }
    [Id(23)] public bool LegacyMaintenanceConflict { get; set; }
}

/// <summary>PAY-11: an amount owed that an off-session charge could not collect.</summary>
[GenerateSerializer, Immutable, Alias("caas.rental-debt")]
public sealed record Debt(
    [property: Id(0)] string Step,
    [property: Id(1)] Money Amount,
    [property: Id(2)] string Reason,
    [property: Id(3)] DateTimeOffset RecordedAt);

/// <summary>MOB-7: the vehicle's own report a return was judged by.</summary>
/// <param name="AskedAtReturn">true when the report held was stale and API IoT was asked at once.</param>
[GenerateSerializer, Immutable, Alias("caas.return-witness")]
public sealed record ReturnWitness(
    [property: Id(0)] Integration.VehicleTelemetry Telemetry,
    [property: Id(1)] DateTimeOffset LastContact,
    [property: Id(2)] bool AskedAtReturn);

/// <summary>
/// The LOCK sent at return (IOT-9): it may wait in the IoT queue (IOT-5), so it is followed until the
/// car confirms it or <see cref="WaitUntil"/> passes.
/// </summary>
/// <param name="Sends">LOCK commands handed to the IoT adapter so far (a refused or failed one is sent again).</param>
/// <param name="CommandId">API IoT's id of the LOCK it acknowledged and that has not failed; null while none has.</param>
/// <param name="Queued">The last LOCK waits in the IoT queue; the adapter tells the rental when it leaves.</param>
[GenerateSerializer, Immutable, Alias("caas.return-lock")]
public sealed record ReturnLock(
    [property: Id(0)] DateTimeOffset RequestedAt,
    [property: Id(1)] DateTimeOffset WaitUntil,
    [property: Id(2)] int Sends = 0,
    [property: Id(3)] string? CommandId = null,
    [property: Id(4)] bool Queued = false,
    [property: Id(5)] DateTimeOffset? ConfirmedAt = null,
    [property: Id(6)] DateTimeOffset? WaitedOutAt = null)
{
    /// <summary>Nothing more to wait for: the car confirmed, or the wait ended and ops were told.</summary>
    public bool Settled => ConfirmedAt is not null || WaitedOutAt is not null;
}
