using System.Net;
using CaaS.Grains.Abstractions;
using CaaS.Hosting;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost.Webhooks;

/// <summary>
/// The webhook intake's settings, section <c>Webhooks</c> (<c>Webhooks__RateLimitPerMinute</c>,
/// <c>Webhooks__Sources__&lt;source&gt;__AllowedNetworks__N</c>, ...). Each source's signing secret is read
/// from <c>Integrations:&lt;System&gt;:WebhookSecret</c>, the key the sandbox signs with, so one value
/// serves both ends.
/// </summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>The message id is the inbox key (WH-3): bounded, so a sender cannot make it endless.</summary>
    public const int MaxMessageIdLength = InboundWebhook.MaxMessageIdLength;

    /// <summary>WH-4 when a source names no networks: only this machine may send.</summary>
    public static readonly IReadOnlyList<string> Loopback = ["127.0.0.0/8", "::1/128"];

    /// <summary>Each source and the configuration key of its signing secret.</summary>
    public static readonly IReadOnlyDictionary<string, string> SecretSettings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [StripeWebhookSource.SourceName] = "Integrations:Stripe:WebhookSecret",
        [FleetWebhookSource.SourceName] = "Integrations:Fleet:WebhookSecret",
        [FactoryWebhookSource.SourceName] = "Integrations:Factory:WebhookSecret",
    };

    /// <summary>WH-5: verified requests (allow-list and signature passed) per minute and source, whatever address they come from.</summary>
    public int RateLimitPerMinute { get; set; } = 100;

    /// <summary>SEC-8: refused requests (allow-list, body or signature) per minute and client address, before they are answered 429.</summary>
    public int RejectedPerMinutePerAddress { get; set; } = 100;

    /// <summary>SEC-4: a webhook body is read up to this size and refused beyond it.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>WH-2, PAY-8: how far a signed timestamp may be from our clock, either way.</summary>
    public TimeSpan Tolerance { get; set; } = StandardWebhooks.Tolerance;

    public Dictionary<string, WebhookSourceOptions> Sources { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public WebhookSourceOptions For(string source) =>
        Sources.TryGetValue(source, out var options) ? options : throw new InvalidOperationException($"No webhook source {source} is configured.");

    /// <summary>Completes what binding the section left out: every source present, with its secret.</summary>
    internal static void AddSecrets(WebhookOptions options, IConfiguration configuration)
    {
        // Configuration keys ignore case (Webhooks__Sources__Stripe__... is the stripe source), so lookups by source do too.
        options.Sources = new Dictionary<string, WebhookSourceOptions>(options.Sources, StringComparer.OrdinalIgnoreCase);
        foreach (var (source, setting) in SecretSettings)
        {
            if (!options.Sources.TryGetValue(source, out var sourceOptions))
            {
                options.Sources[source] = sourceOptions = new WebhookSourceOptions();
            }

            sourceOptions.Secret = configuration[setting];
        }
    }
}

public sealed class WebhookSourceOptions
{
    /// <summary>CIDR ranges the source may send from (WH-4); loopback when none are given.</summary>
    public string[]? AllowedNetworks { get; set; }

    /// <summary>Not bound from the Webhooks section (its setter is not public): see <see cref="WebhookOptions.SecretSettings"/>.</summary>
    public string? Secret { get; internal set; }

    public IEnumerable<string> Networks => AllowedNetworks is { Length: > 0 } networks ? networks : WebhookOptions.Loopback;

    public bool Allows(IPAddress remote) => Networks.Any(network => IPNetwork.TryParse(network, out var range) && range.Contains(remote));
}

/// <summary>
/// Refuses to start without a secret for every source, with a development secret outside Development
/// (SEC-5: anyone with the repository could sign as that sender), or with limits that would let
/// nothing (or anything) through.
/// </summary>
internal sealed class WebhookOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        foreach (var (source, setting) in WebhookOptions.SecretSettings)
        {
            var secret = options.Sources.GetValueOrDefault(source)?.Secret;
            if (string.IsNullOrWhiteSpace(secret))
            {
                failures.Add($"{setting} is not configured: {source} webhooks could not be verified.");
            }
            else
            {
                failures.AddRange(DevelopmentSecrets.Refusals(environment, [new(setting, secret)]));
            }
        }

        foreach (var (source, sourceOptions) in options.Sources)
        {
            failures.AddRange(sourceOptions.Networks.Where(network => !IPNetwork.TryParse(network, out _))
                .Select(network => $"{WebhookOptions.Section}:Sources:{source}:AllowedNetworks: {network} is not a CIDR range."));
        }

        if (options.RateLimitPerMinute < 1)
        {
            failures.Add($"{WebhookOptions.Section}:RateLimitPerMinute must be at least 1.");
        }

        if (options.RejectedPerMinutePerAddress < 1)
        {
            failures.Add($"{WebhookOptions.Section}:RejectedPerMinutePerAddress must be at least 1.");
        }

        if (options.MaxBodyBytes < 1)
        {
            failures.Add($"{WebhookOptions.Section}:MaxBodyBytes must be at least 1.");
        }

        if (options.Tolerance <= TimeSpan.Zero)
        {
            failures.Add($"{WebhookOptions.Section}:Tolerance must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
