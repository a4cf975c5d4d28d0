using CaaS.Grains.Abstractions;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost.Webhooks;

/// <summary>Fleet Management's events (FLT-1, FLT-2): a vehicle's status, or maintenance it scheduled.</summary>
public sealed class FleetWebhookSource(IOptionsMonitor<WebhookOptions> options) : StandardWebhookSource(options)
{
    public const string SourceName = "fleet";

    public override string Name => SourceName;

    protected override string Shape => FleetEventBody.Shape;

    public override WebhookMessage? Parse(string body) => FleetEventBody.Parse(body);
}
