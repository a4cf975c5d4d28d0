namespace CaaS.Grains.Operations;

public sealed class OperationsOptions
{
    public const string Section = "Operations";

    /// <summary>How long a finished flow is remembered, so a late event of it, reordered in the stream, cannot revive it.</summary>
    public TimeSpan FinishedMemory { get; set; } = TimeSpan.FromMinutes(10);
}
