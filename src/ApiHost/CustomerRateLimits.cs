using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost;

/// <summary>
/// SEC-8's customer limits, section <c>RateLimits:Customer</c> (<c>RateLimits__Customer__Reads</c>, <c>__Writes</c>,
/// <c>__Window</c>). Counted per token subject and per API host replica: each replica keeps its own windows.
/// </summary>
public sealed class CustomerRateLimitOptions
{
    public const string Section = "RateLimits:Customer";

    /// <summary>GET requests per window and subject: far above what an app that refreshes a screen asks.</summary>
    public int Reads { get; set; } = 300;

    /// <summary>Every other method per window and subject: bookings, cancellations, unlocks, orders, purchases.</summary>
    public int Writes { get; set; } = 30;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

public static class CustomerRateLimits
{
    public const string Policy = "customer";

    /// <summary>The rate limiter the API host runs: the customer policy, and a problem with Retry-After for whatever it refuses.</summary>
    public static IServiceCollection AddCaaSRateLimits(this IServiceCollection services)
    {
        services.AddOptions<CustomerRateLimitOptions>().BindConfiguration(CustomerRateLimitOptions.Section)
            .Validate(limits => limits.Reads >= 1 && limits.Writes >= 1, $"{CustomerRateLimitOptions.Section}: Reads and Writes must be at least 1.")
            .Validate(limits => limits.Window > TimeSpan.Zero, $"{CustomerRateLimitOptions.Section}:Window must be positive.")
            .ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<CustomerRateLimitOptions>>((limiter, options) =>
        {
            var limits = options.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                TimeSpan? retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
                return new ValueTask(Problems.RateLimited(retryAfter, "Too many requests for this account; try again later.").ExecuteAsync(context.HttpContext));
            };
            limiter.AddPolicy(Policy, context => Partition(context, limits));
        });
        return services;
    }

    /// <summary>Puts a group's routes under the customer limits.</summary>
    public static TBuilder RequireCustomerRateLimits<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(Policy);

    private static RateLimitPartition<string> Partition(HttpContext context, CustomerRateLimitOptions limits)
    {
        // Authorization runs first, so an anonymous caller never reaches the limiter: no subject, no window to spend.
        var subject = context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? context.User.FindFirstValue("sub");
        if (subject is null)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        // Reads apart from writes: a screen that refreshes often must not use up the allowance to book.
        var reads = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        var permits = reads ? limits.Reads : limits.Writes;
        return RateLimitPartition.GetFixedWindowLimiter((reads ? "read:" : "write:") + subject,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = limits.Window, QueueLimit = 0 });
    }
}
