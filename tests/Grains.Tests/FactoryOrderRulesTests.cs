using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Orders;

namespace CaaS.Grains.Tests;

/// <summary>FAC-2: which Factory news moves an order, checked without Orleans.</summary>
public sealed class FactoryOrderRulesTests
{
    private static readonly DateTimeOffset Applied = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(FactoryOrderStatus.Placed, "MANUFACTURING", 1, FactoryOrderStatus.Manufacturing)]
    [InlineData(FactoryOrderStatus.Manufacturing, "DELAYED", 1, FactoryOrderStatus.Delayed)]
    [InlineData(FactoryOrderStatus.Delayed, "MANUFACTURING", 1, FactoryOrderStatus.Manufacturing)]
    [InlineData(FactoryOrderStatus.Delayed, "DELAYED", 1, FactoryOrderStatus.Delayed)]
    [InlineData(FactoryOrderStatus.Manufacturing, "READY", 1, FactoryOrderStatus.Ready)]
    [InlineData(FactoryOrderStatus.PlacementFailed, "MANUFACTURING", 1, FactoryOrderStatus.Manufacturing)]
    public void Newer_news_at_the_same_or_a_later_stage_moves_the_order(FactoryOrderStatus current, string reported, int minutesLater, FactoryOrderStatus expected) =>
        Assert.Equal(expected, FactoryOrderRules.Next(Order(current), Update(reported, Applied.AddMinutes(minutesLater))));

    [Theory]
    [InlineData(FactoryOrderStatus.Ready, "MANUFACTURING", 5)]
    [InlineData(FactoryOrderStatus.Ready, "DELAYED", 5)]
    [InlineData(FactoryOrderStatus.Manufacturing, "PLACED", 5)]
    [InlineData(FactoryOrderStatus.Manufacturing, "READY", 0)]
    [InlineData(FactoryOrderStatus.Manufacturing, "READY", -5)]
    [InlineData(FactoryOrderStatus.Manufacturing, "MANUFACTURING", 5)]
    [InlineData(FactoryOrderStatus.Registered, "READY", 5)]
    [InlineData(FactoryOrderStatus.Delivered, "READY", 5)]
    [InlineData(FactoryOrderStatus.Abandoned, "MANUFACTURING", 5)]
    [InlineData(FactoryOrderStatus.Placing, "MANUFACTURING", 5)]
    [InlineData(FactoryOrderStatus.Placed, "SHIPPED", 5)]
    public void Older_backward_repeated_or_unknown_news_changes_nothing(FactoryOrderStatus current, string reported, int minutesLater) =>
        Assert.Null(FactoryOrderRules.Next(Order(current), Update(reported, Applied.AddMinutes(minutesLater))));

    [Fact]
    public void Ready_tells_the_customer_by_email_and_by_push_to_complete_payment()
    {
        var told = FactoryOrderRules.Notifications(FactoryOrderStatus.Ready);

        Assert.Equal([("email", "VEHICLE_READY"), ("push", "VEHICLE_READY")], told.Select(message => (message.Channel, message.Template)));
        Assert.Contains("complete payment", told[1].Subject, StringComparison.Ordinal);
    }

    private static FactoryOrderState Order(FactoryOrderStatus status) => new() { Status = status, LastFactoryStatusAt = Applied };

    private static FactoryStatusUpdate Update(string status, DateTimeOffset occurredAt) => new("webhook", "fo-1", status, null, null, occurredAt);
}
