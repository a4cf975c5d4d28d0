namespace CaaS.Grains.Flows;

/// <summary>What every flow shares, from configuration section "Flows".</summary>
public sealed class FlowOptions
{
    public const string Section = "Flows";

    /// <summary>
    /// Entries kept in a flow's outbox until they are published; past this the oldest are dropped,
    /// so a flow whose publisher is away never grows its state without bound.
    /// </summary>
    public int OutboxLimit { get; set; } = 100;

    /// <summary>
    /// How long after an uncertain authorisation is voided its flow looks again: a request sent before
    /// the void (by an activation that died, or that lost its write to a newer one) may still be carried
    /// out at Stripe after the void searched. Longer than any payment call can be in flight.
    /// </summary>
    public TimeSpan VoidRecheckAfter { get; set; } = TimeSpan.FromMinutes(3);
}
