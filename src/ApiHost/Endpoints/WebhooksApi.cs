using CaaS.ApiHost.Webhooks;
using CaaS.Grains.Abstractions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CaaS.ApiHost.Endpoints;

/// <summary>
/// WH-1..7 for Stripe, Fleet Management and the Factory. Each route is one <see cref="IWebhookSource"/>
/// behind the same guard (allow-list, body limit) and the same intake: the source verifies and parses,
/// the limits (WebhookLimits) count what passed per source and what was refused per sender,
/// the intake records the message in the inbox grain and answers only once the grain has applied it.
/// </summary>
public static class WebhooksApi
{
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
        services.AddSingleton<WebhookLimits>();
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
        endpoints.MapPost(pattern, (HttpContext http, [FromServices] TSource source, IGrainFactory grains, TimeProvider time, WebhookLimits limits) =>
                IntakeAsync(http, source, grains, time, limits))
            .AddEndpointFilter<WebhookGuard<TSource>>();

    /// <summary>WH-7: the answer comes only after the inbox grain has recorded and applied the message.</summary>
    private static async Task<IResult> IntakeAsync(HttpContext http, IWebhookSource source, IGrainFactory grains, TimeProvider time, WebhookLimits limits)
    {
        var body = WebhookBody.Of(http);
        var reading = source.Read(http.Request, body, time.GetUtcNow());
        // SEC-8, WH-5: only what passed the signature spends the source's allowance, malformed or not (sources verify
        // before they parse, so any other refusal was signed); an unsigned one spends its sender's.
        var limited = reading is WebhookReading.Refused { Code: ErrorCodes.Unauthenticated }
            ? limits.Refused(WebhookLimits.Sender(http))
            : limits.Passed(source.Name);
        if (limited is not null)
        {
            return limited;
        }

        switch (reading)
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
            case var unknown:
                throw new InvalidOperationException($"{source.Name} read a request as {unknown}, which the intake does not know.");
        }
    }
}
