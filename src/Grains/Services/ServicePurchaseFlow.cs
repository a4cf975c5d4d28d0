using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Services;

/// <summary>The service purchase's state machine, and what a purchase owes for being where it is.</summary>
public static class ServicePurchaseFlow
{
    public static readonly FlowTable<ServicePurchaseStatus> Table = new(FlowKinds.ServicePurchase, [ServicePurchaseStatus.Validating],
        new Dictionary<ServicePurchaseStatus, ServicePurchaseStatus[]>
        {
            [ServicePurchaseStatus.Validating] = [ServicePurchaseStatus.Activating, ServicePurchaseStatus.Blocked, ServicePurchaseStatus.Failed],
            [ServicePurchaseStatus.Activating] = [ServicePurchaseStatus.Active, ServicePurchaseStatus.Failed],
        });

    /// <summary>An Active purchase is finished once its money is captured; what Stripe says later is recorded, not awaited.</summary>
    public static bool IsFinished(ServicePurchaseState purchase) =>
        purchase.Status is ServicePurchaseStatus.Blocked or ServicePurchaseStatus.Failed
        || (purchase.Status == ServicePurchaseStatus.Active && !purchase.Journal.Owes(ObligationKind.Capture));

    /// <summary>A purchase refused before its activation began: a repeat of the request is refused the same way.</summary>
    public static bool RefusedBeforeActivation(ServicePurchaseState purchase) =>
        purchase.ErrorCode is { } code && code != Abstractions.ErrorCodes.ActivationFailed;

    /// <summary>What a purchase owes for the state it has just entered: while validating, to finish or be given up; once paid, its activation.</summary>
    public static void Entered(ServicePurchaseState purchase, DateTimeOffset now, ServiceOptions rules)
    {
        if (purchase.Status == ServicePurchaseStatus.Validating)
        {
            purchase.Journal.Owe(ObligationKind.FinishOrAbandon, now + rules.AbandonValidationAfter);
            return;
        }

        purchase.Journal.Discharge(ObligationKind.FinishOrAbandon);
        if (purchase.Status == ServicePurchaseStatus.Activating)
        {
            purchase.Journal.Owe(ObligationKind.StartActivation);
        }
    }

    /// <summary>Turns what a purchase stored before the flow journal kept in flags into obligations, once.</summary>
    public static void Upgrade(ServicePurchaseState purchase, ServiceOptions rules)
    {
        var journal = purchase.Journal;
        if (journal.Upgraded)
        {
            return;
        }

        if (purchase.Status == ServicePurchaseStatus.Validating && purchase.Request is not null)
        {
            journal.Owe(ObligationKind.FinishOrAbandon, purchase.CreatedAt + rules.AbandonValidationAfter);
        }

        if (purchase.Status == ServicePurchaseStatus.Activating && !purchase.LegacyOtaStarted)
        {
            journal.Owe(ObligationKind.StartActivation);
        }

        if (purchase.LegacyVoidPending)
        {
            journal.Owe(ObligationKind.Void);
        }

        if (purchase.LegacyCapturePending)
        {
            journal.Owe(new Obligation(ObligationKind.Capture, Amount: purchase.Price));
        }

        foreach (var message in purchase.LegacyOutbox ?? [])
        {
            journal.Owe(new Obligation(ObligationKind.Notify, message.Id, Notification: message));
        }

        purchase.LegacyOtaStarted = false;
        purchase.LegacyCapturePending = false;
        purchase.LegacyVoidPending = false;
        purchase.LegacyOutbox = null;
        journal.Upgraded = true;
    }
}
