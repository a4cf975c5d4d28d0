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

    // Written by versions before the flow journal, which kept obligations as flags; read once by the
    // upgrade into the journal, never written again.
    [Id(17)] public Money? LegacyCapturePending { get; set; }
    [Id(18)] public bool LegacyVoidPending { get; set; }
    [Id(19)] public List<OutboxMessage>? LegacyOutbox { get; set; }
    [Id(23)] public bool LegacyMaintenanceConflict { get; set; }
}
