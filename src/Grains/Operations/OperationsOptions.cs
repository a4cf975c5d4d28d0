namespace CaaS.Grains.Operations;

public sealed class OperationsOptions
{
    public const string Section = "Operations";

    /// <summary>
    /// How often a flow index writes what changed. A busy kind moves many times a second and the index
    /// is a projection: a crash loses at most this much of it, and the next move of a flow restores it.
    /// </summary>
    public TimeSpan IndexFlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a finished flow is remembered, so a late event of it, reordered in the stream, cannot revive it.</summary>
    public TimeSpan FinishedMemory { get; set; } = TimeSpan.FromMinutes(10);
}
