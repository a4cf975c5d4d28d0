using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Orders;

namespace CaaS.Grains.Orders;

/// <summary>The order's state machine without Orleans: which Factory news moves it, and where.</summary>
public static class FactoryOrderRules
{
    private static readonly Dictionary<string, FactoryOrderStatus> ByWireName = new(StringComparer.Ordinal)
    {
        [FactoryStatuses.Placed] = FactoryOrderStatus.Placed,
        [FactoryStatuses.Manufacturing] = FactoryOrderStatus.Manufacturing,
        [FactoryStatuses.Delayed] = FactoryOrderStatus.Delayed,
        [FactoryStatuses.Ready] = FactoryOrderStatus.Ready,
    };

    /// <summary>How far along an order is. Manufacturing and Delayed are the same stage: either may follow the other.</summary>
    private static int Stage(FactoryOrderStatus status) => status switch
    {
        FactoryOrderStatus.Placing => 0,
        FactoryOrderStatus.Placed or FactoryOrderStatus.PlacementFailed => 1,
        FactoryOrderStatus.Manufacturing or FactoryOrderStatus.Delayed => 2,
        FactoryOrderStatus.Ready => 3,
        FactoryOrderStatus.Registered or FactoryOrderStatus.RegistrationFailed => 4,
        _ => 5,
    };

    /// <summary>
    /// FAC-2: the status this news moves the order to, or null when it must change nothing: unknown,
    /// not newer than what was applied, behind the order's stage, or the order has left the Factory.
    /// A PlacementFailed order hearing from the Factory was placed after all (the answer was lost).
    /// </summary>
    public static FactoryOrderStatus? Next(FactoryOrderState order, FactoryStatusUpdate update)
    {
        if (!ByWireName.TryGetValue(update.Status, out var next)
            || order.Status is FactoryOrderStatus.Abandoned or FactoryOrderStatus.Placing
            || order.LastFactoryStatusAt >= update.OccurredAt
            || Stage(next) < Stage(order.Status)
            || Stage(order.Status) > Stage(FactoryOrderStatus.Ready))
        {
            return null;
        }

        return next == order.Status && next != FactoryOrderStatus.Delayed ? null : next;
    }

    /// <summary>FAC-3: what the customer is told when the order reaches a status.</summary>
    public static IReadOnlyList<(string Channel, string Template, string Subject)> Notifications(FactoryOrderStatus status) => status switch
    {
        FactoryOrderStatus.Manufacturing => [(NotificationChannels.Email, "STATUS_UPDATE", "Your vehicle is being built")],
        FactoryOrderStatus.Delayed => [(NotificationChannels.Email, "DELAY_ALERT", "Your vehicle is delayed")],
        FactoryOrderStatus.Ready =>
        [
            (NotificationChannels.Email, "VEHICLE_READY", "Your vehicle is ready"),
            (NotificationChannels.Push, "VEHICLE_READY", "Your vehicle is ready: complete payment"),
        ],
        FactoryOrderStatus.Delivered => [(NotificationChannels.Email, "VEHICLE_DELIVERED", "Your vehicle has been delivered")],
        _ => [],
    };

    /// <summary>Whether the Factory still owes news about the order (FAC-4 polls only those).</summary>
    public static bool AtTheFactory(FactoryOrderStatus status) =>
        status is FactoryOrderStatus.Placed or FactoryOrderStatus.Manufacturing or FactoryOrderStatus.Delayed;
}
