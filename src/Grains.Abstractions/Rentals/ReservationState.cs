using CaaS.Grains.Abstractions.Notifications;

namespace CaaS.Grains.Abstractions.Rentals;

[GenerateSerializer, Alias("caas.reservation-state")]
public sealed class ReservationState
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

    /// <summary>The vehicle grain may hold the timeslot for us: whoever ends this reservation releases it.</summary>
    [Id(14)] public bool HoldRequested { get; set; }

    [Id(15)] public ReturnProof? ReturnProof { get; set; }
    [Id(16)] public DateTimeOffset? ReturnedAt { get; set; }

    /// <summary>The final amount is decided and must still reach Stripe.</summary>
    [Id(17)] public Money? CapturePending { get; set; }

    /// <summary>An authorisation may exist that nobody will capture: find and cancel it.</summary>
    [Id(18)] public bool VoidPending { get; set; }

    [Id(19)] public List<OutboxMessage> Outbox { get; set; } = [];
    [Id(20)] public int RechargeAttempts { get; set; }
    [Id(21)] public int NotificationSequence { get; set; }
    [Id(22)] public Money? Price { get; set; }
    [Id(23)] public bool MaintenanceConflict { get; set; }
    [Id(24)] public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>ADM-4: every movement of money at Stripe for this rental, as published to the revenue projection.</summary>
    [Id(25)] public List<Operations.MoneyMoved> MoneyMoves { get; set; } = [];
}
