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
}
