namespace CaaS.Grains.Webhooks;

/// <summary>SEC-7 for inbound webhooks, from configuration section "Webhooks" (<c>Webhooks__BodyRetention</c>).</summary>
public sealed class WebhookRetentionOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// How long an inbox keeps what a webhook carried (body, headers, parsed message) after it was received;
    /// after it only the id and the outcome stay, which is all WH-3 needs to refuse the same id again.
    /// </summary>
    public TimeSpan BodyRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the retention sweep looks for inboxes untouched for longer than the retention (their bodies are dropped then).</summary>
    public TimeSpan RetentionSweepEvery { get; set; } = TimeSpan.FromHours(1);
}
