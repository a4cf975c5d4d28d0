using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost;

/// <summary>
/// SEC-8 behind a load balancer, section <c>ForwardedHeaders</c>: the proxies the API host believes
/// (<c>ForwardedHeaders__KnownProxies__N</c>, addresses; <c>ForwardedHeaders__KnownNetworks__N</c>, CIDR
/// ranges) and how many of them a request may have passed (<c>ForwardLimit</c>). A request from one of
/// them is judged by the X-Forwarded-For address it carries, so the webhook allow-list (WH-4) and the
/// per-address limits see the sender, not the balancer; from anyone else the header is ignored, so a
/// sender cannot claim an allowed address by writing it. Nothing configured: no header is believed,
/// not even from loopback (ASP.NET Core's own default).
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "ForwardedHeaders";

    public string[] KnownProxies { get; set; } = [];

    public string[] KnownNetworks { get; set; } = [];

    /// <summary>Blank entries are none: docker-compose.yml passes an optional proxy range as a possibly empty variable.</summary>
    public IEnumerable<(string Value, int Index)> Proxies => Given(KnownProxies);

    public IEnumerable<(string Value, int Index)> Networks => Given(KnownNetworks);

    /// <summary>Proxies in a row a request may have passed (a CDN before the balancer is two); the addresses beyond are not read.</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool IsConfigured => Proxies.Any() || Networks.Any();

    private static IEnumerable<(string Value, int Index)> Given(string[] entries) =>
        entries.Select((entry, index) => (entry.Trim(), index)).Where(entry => entry.Item1.Length > 0);
}

public static class ForwardedHeadersSetup
{
    public static IServiceCollection AddCaaSForwardedHeaders(this IServiceCollection services)
    {
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxies) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = proxies.Value.ForwardLimit;
            // Only what operations named: the loopback defaults would let anything on the host forge a sender.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var (proxy, _) in proxies.Value.Proxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
            }

            foreach (var (network, _) in proxies.Value.Networks)
            {
                if (System.Net.IPNetwork.TryParse(network, out var range))
                {
                    forwarded.KnownIPNetworks.Add(range);
                }
            }
        });
        return services;
    }

    /// <summary>First in the pipeline, so everything after it (the webhook guard, rate limits, logs) sees the sender.</summary>
    public static IApplicationBuilder UseCaaSForwardedHeaders(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<ProxyOptions>>().Value.IsConfigured)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}

/// <summary>A proxy setting that does not parse would silently trust nobody, or the wrong range: refused at start-up.</summary>
internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var failures = options.Proxies
            .Where(entry => !IPAddress.TryParse(entry.Value, out _))
            .Select(entry => $"{ProxyOptions.Section}:KnownProxies:{entry.Index} is {entry.Value}: not an IP address.")
            .Concat(options.Networks
                .Where(entry => !System.Net.IPNetwork.TryParse(entry.Value, out _))
                .Select(entry => $"{ProxyOptions.Section}:KnownNetworks:{entry.Index} is {entry.Value}: not a CIDR range."))
            .ToList();
        if (options.ForwardLimit < 1)
        {
            failures.Add($"{ProxyOptions.Section}:ForwardLimit must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
