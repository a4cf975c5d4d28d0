namespace CaaS.Grains.Services;

public sealed class OtaOptions
{
    public const string Section = "Ota";

    /// <summary>Retries after the first attempt (IOT-3: at most N, default 5).</summary>
    public int MaxRetries { get; set; } = 5;

    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often an attempt in flight asks API IoT whether the vehicle has finished.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The durable reminder that revives the schedule after a crash; Orleans refuses periods under its minimum.</summary>
    public TimeSpan WatchdogPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
