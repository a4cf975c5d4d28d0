using System.Threading.RateLimiting;
using CaaS.ApiHost.Webhooks;
using CaaS.Grains.Abstractions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost.Endpoints;

/// <summary>
/// WH-1..7 for Stripe, Fleet Management and the Factory. Each route is one <see cref="IWebhookSource"/>
/// behind the same guard (allow-list, body limit) and the same intake: the source verifies and parses,
/// the intake records the message in the inbox grain and answers only once the grain has applied it.
/// </summary>
public static class WebhooksApi
{
    private const string RateLimitPolicy = "webhooks";

    public static IServiceCollection AddCaaSWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.Section)
            .Configure<IConfiguration>(WebhookOptions.AddSecrets)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.AddSingleton<StripeWebhookSource>();
        services.AddSingleton<FleetWebhookSource>();
        services.AddSingleton<FactoryWebhookSource>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<WebhookOptions>>((limiter, webhooks) =>
        {
            var perMinute = webhooks.Value.RateLimitPerMinute;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // WH-5: one window per source, whatever address it sends from.
            limiter.AddPolicy(RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Request.Path.Value ?? "", _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapWebhook<StripeWebhookSource>("/webhooks/payment/settlement");
        endpoints.MapWebhook<FleetWebhookSource>("/events/fleet");
        endpoints.MapWebhook<FactoryWebhookSource>("/webhooks/factory/status");
        return endpoints;
    }

    private static void MapWebhook<TSource>(this IEndpointRouteBuilder endpoints, string pattern) where TSource : IWebhookSource =>
        endpoints.MapPost(pattern, (HttpContext http, [FromServices] TSource source, IGrainFactory grains, TimeProvider time) => IntakeAsync(http, source, grains, time))
            .AddEndpointFilter<WebhookGuard<TSource>>()
            .RequireRateLimiting(RateLimitPolicy);

    /// <summary>WH-7: the answer comes only after the inbox grain has recorded and applied the message.</summary>
    private static async Task<IResult> IntakeAsync(HttpContext http, IWebhookSource source, IGrainFactory grains, TimeProvider time)
    {
        var body = WebhookBody.Of(http);
        switch (source.Read(http.Request, body, time.GetUtcNow()))
        {
            case WebhookReading.Refused refused:
                return Problems.For(refused.Code, refused.Detail);
            case WebhookReading.Ignored:
                return Results.Ok(new { status = "ignored" });
            case WebhookReading.Accepted accepted:
                var webhook = new InboundWebhook(source.Name, accepted.MessageId, body, accepted.Headers, time.GetUtcNow(), accepted.Message);
                var outcome = await grains.GetGrain<IWebhookInboxGrain>($"{webhook.Source}:{webhook.MessageId}").ProcessAsync(webhook);
                return outcome switch
                {
                    InboxOutcome.Processed => Results.Ok(new { status = "processed" }),
                    InboxOutcome.Duplicate => Results.Ok(new { status = "duplicate" }),
                    // Kept as a dead letter; the error makes an at-least-once sender try again.
                    _ => Problems.For(ErrorCodes.DependencyUnavailable, "The message could not be processed now; it is kept and will be retried."),
                };
            case var reading:
                throw new InvalidOperationException($"{source.Name} read a request as {reading}, which the intake does not know.");
        }
    }
}
