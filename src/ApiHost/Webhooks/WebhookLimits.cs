using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost.Webhooks;

/// <summary>
/// SEC-8 and WH-5. A source's allowance is spent only by requests that passed its allow-list and its
/// signature, so nobody can use up a sender's minute by posting garbage in its name; the source is the
/// route's, whatever spelling of the path was used. What is refused (allow-list, body, signature) is
/// counted per client address instead, and that address meets 429 once it has spent its own allowance.
/// The windows live in this API host replica's memory.
/// </summary>
public sealed class WebhookLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _bySource;
    private readonly PartitionedRateLimiter<string> _byRejectedAddress;

    public WebhookLimits(IOptions<WebhookOptions> options)
    {
        var settings = options.Value;
        _bySource = PerMinute(settings.RateLimitPerMinute);
        _byRejectedAddress = PerMinute(settings.RejectedPerMinutePerAddress);
    }

    /// <summary>Counts a verified webhook against its source; null while the source is within its limit.</summary>
    public IResult? Passed(string source) =>
        Spend(_bySource, source, $"{source} sent more than its webhooks a minute; retry later.");

    /// <summary>Counts a refused request against the address it came from; null while the address may still be told why.</summary>
    public IResult? Refused(IPAddress? remote) =>
        Spend(_byRejectedAddress, remote?.ToString() ?? "", "Too many refused webhook requests from this address; retry later.");

    /// <summary>The sender's address, IPv4 as IPv4 even when Kestrel listens dual-stack, so one sender is one key.</summary>
    public static IPAddress? Sender(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        return remote is { IsIPv4MappedToIPv6: true } ? remote.MapToIPv4() : remote;
    }

    public void Dispose()
    {
        _bySource.Dispose();
        _byRejectedAddress.Dispose();
    }

    private static IResult? Spend(PartitionedRateLimiter<string> limiter, string key, string detail)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }

        return Problems.RateLimited(lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null, detail);
    }

    private static PartitionedRateLimiter<string> PerMinute(int permits) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
}
