using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Orders;

/// <summary>The factory order's state machine, and what an order owes for being where it is.</summary>
public static class FactoryOrderFlow
{
    private static readonly FactoryOrderStatus[] FactoryNews =
        [FactoryOrderStatus.Placed, FactoryOrderStatus.Manufacturing, FactoryOrderStatus.Delayed, FactoryOrderStatus.Ready];

    public static readonly FlowTable<FactoryOrderStatus> Table = new(FlowKinds.FactoryOrder, [FactoryOrderStatus.Placing],
        new Dictionary<FactoryOrderStatus, FactoryOrderStatus[]>
        {
            [FactoryOrderStatus.Placing] = [FactoryOrderStatus.Placed, FactoryOrderStatus.PlacementFailed],
            // A failed placement is retried or given up by a human (FAC-1), or the Factory's news shows it was placed after all.
            [FactoryOrderStatus.PlacementFailed] = [FactoryOrderStatus.Placing, FactoryOrderStatus.Abandoned, .. FactoryNews],
            [FactoryOrderStatus.Placed] = [FactoryOrderStatus.Manufacturing, FactoryOrderStatus.Delayed, FactoryOrderStatus.Ready],
            [FactoryOrderStatus.Manufacturing] = [FactoryOrderStatus.Delayed, FactoryOrderStatus.Ready],
            // Each new delay is news the customer hears (FAC-3).
            [FactoryOrderStatus.Delayed] = [FactoryOrderStatus.Manufacturing, FactoryOrderStatus.Delayed, FactoryOrderStatus.Ready],
            [FactoryOrderStatus.Ready] = [FactoryOrderStatus.Registered, FactoryOrderStatus.RegistrationFailed],
            [FactoryOrderStatus.RegistrationFailed] = [FactoryOrderStatus.Ready, FactoryOrderStatus.Abandoned],
            [FactoryOrderStatus.Registered] = [FactoryOrderStatus.Delivered],
        });

    public static bool IsFinished(FactoryOrderStatus status) => Table.IsFinal(status);

    /// <summary>
    /// What an order owes for the state it has just entered: while Placing, to finish or be found
    /// interrupted; while the Factory has it, to be followed (FAC-4).
    /// </summary>
    public static void Entered(FactoryOrderState order, DateTimeOffset now, OrderOptions rules)
    {
        if (order.Status == FactoryOrderStatus.Placing)
        {
            order.Journal.Owe(ObligationKind.FinishOrAbandon, now + rules.PlacementInterruptedAfter);
        }
        else
        {
            order.Journal.Discharge(ObligationKind.FinishOrAbandon);
        }

        if (FactoryOrderRules.AtTheFactory(order.Status))
        {
            order.Journal.Owe(ObligationKind.FollowFactory);
        }
        else
        {
            order.Journal.Discharge(ObligationKind.FollowFactory);
        }
    }

    /// <summary>Turns what an order stored before the flow journal kept in flags into obligations, once.</summary>
    public static void Upgrade(FactoryOrderState order, OrderOptions rules)
    {
        var journal = order.Journal;
        if (journal.Upgraded)
        {
            return;
        }

        if (order.Request is not null)
        {
            Entered(order, order.UpdatedAt ?? order.CreatedAt, rules);
        }

        if (order.LegacyRegistrationOwed)
        {
            journal.Owe(ObligationKind.Register);
        }

        foreach (var message in order.LegacyOutbox ?? [])
        {
            journal.Owe(new Obligation(ObligationKind.Notify, message.Id, Notification: message));
        }

        order.LegacyRegistrationOwed = false;
        order.LegacyOutbox = null;
        journal.Upgraded = true;
    }
}
