namespace CaaS.Grains.Orders;

public sealed class OrderOptions
{
    public const string Section = "Orders";

    /// <summary>FAC-4: an order the Factory has said nothing about for this long is polled.</summary>
    public TimeSpan PollAfter { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often an order with something owed (a poll, a registration, a notification) looks again.</summary>
    public TimeSpan GuardPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A placement still unanswered after this long was interrupted (a crash) and waits for a human.</summary>
    public TimeSpan PlacementInterruptedAfter { get; set; } = TimeSpan.FromMinutes(2);
}
