namespace CaaS.Grains.Events;

/// <summary>The event log (issue 14), configuration section "Events".</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    public NatsOptions Nats { get; set; } = new();

    /// <summary>How long the log keeps an event (JetStream's max age; the in-process log's too).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Re-sends within this window are dropped by JetStream itself; consumers' sequences catch the rest.</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How soon a flow tries again when the log refused or did not answer a publication.</summary>
    public TimeSpan RetryEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the sweep looks for flows written recently whose events may not have gone out (their
    /// silo died between the write and the publication). Each looks at what was written since the last.
    /// </summary>
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Events a read model takes in one batch; it writes once per batch and acknowledges after.</summary>
    public int ConsumerBatch { get; set; } = 256;

    /// <summary>How long a fetch waits for the first event of a batch.</summary>
    public TimeSpan ConsumerWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An unacknowledged batch comes again after this; longer than a batch's writes can take.</summary>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>FLT-3: a fleet event that fails this many deliveries becomes a dead letter for ops to replay.</summary>
    public int FleetMaxDeliveries { get; set; } = 5;
}

public sealed class NatsOptions
{
    /// <summary>Unset: the log lives in the silo (the embedded default). Set: NATS JetStream.</summary>
    public string? Url { get; set; }

    public string? User { get; set; }

    public string? Password { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}
