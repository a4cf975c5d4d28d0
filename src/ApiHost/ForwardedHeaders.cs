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

    /// <summary>Proxies in a row a request may have passed (a CDN before the balancer is two); the addresses beyond are not read.</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool IsConfigured => KnownProxies.Length > 0 || KnownNetworks.Length > 0;
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
            foreach (var proxy in proxies.Value.KnownProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
            }

            foreach (var network in proxies.Value.KnownNetworks)
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
        var failures = options.KnownProxies
            .Select((proxy, index) => (proxy, index))
            .Where(entry => !IPAddress.TryParse(entry.proxy, out _))
            .Select(entry => $"{ProxyOptions.Section}:KnownProxies:{entry.index} is {entry.proxy}: not an IP address.")
            .Concat(options.KnownNetworks
                .Select((network, index) => (network, index))
                .Where(entry => !System.Net.IPNetwork.TryParse(entry.network, out _))
                .Select(entry => $"{ProxyOptions.Section}:KnownNetworks:{entry.index} is {entry.network}: not a CIDR range."))
            .ToList();
        if (options.ForwardLimit < 1)
        {
            failures.Add($"{ProxyOptions.Section}:ForwardLimit must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
