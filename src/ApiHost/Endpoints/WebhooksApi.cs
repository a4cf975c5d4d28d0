using CaaS.ApiHost.OpenApi;
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
        endpoints.MapWebhook<StripeWebhookSource>("/webhooks/payment/settlement", "ReceiveStripeEvent",
            "A Stripe event about a PaymentIntent, signed in Stripe-Signature (PAY-4, WH-1..7)", ApiSignatures.Stripe);
        endpoints.MapWebhook<FleetWebhookSource>("/events/fleet", "ReceiveFleetEvent",
            "A Fleet Management event, signed as Standard Webhooks sign (FLT-1..3, WH-1..7)", ApiSignatures.StandardWebhooks);
        endpoints.MapWebhook<FactoryWebhookSource>("/webhooks/factory/status", "ReceiveFactoryStatus",
            "A Factory order's status, signed as Standard Webhooks sign (FAC-2, WH-1..7)", ApiSignatures.StandardWebhooks);
        return endpoints;
    }

    /// <summary>The answer a sender reads: whether the message was applied now, had been before, or is of no interest.</summary>
    public sealed record WebhookAnswer(string Status);

    private static void MapWebhook<TSource>(this IEndpointRouteBuilder endpoints, string pattern, string name, string summary, string[] signatureHeaders)
        where TSource : IWebhookSource =>
        endpoints.MapPost(pattern, (HttpContext http, [FromServices] TSource source, IGrainFactory grains, TimeProvider time, WebhookLimits limits) =>
                IntakeAsync(http, source, grains, time, limits))
            .AddEndpointFilter<WebhookGuard<TSource>>()
            // The guard reads the body raw, so the signature is checked over the exact bytes sent: nothing binds it.
            .Accepts<System.Text.Json.JsonElement>("application/json")
            .Produces<WebhookAnswer>()
            .AddOpenApiOperationTransformer((operation, _, _) => ApiSignatures.Describe(operation, signatureHeaders))
            .WithTags("Webhooks").WithName(name).WithSummary(summary);

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
                return TypedResults.Ok(new WebhookAnswer("ignored"));
            case WebhookReading.Accepted accepted:
                var webhook = new InboundWebhook(source.Name, accepted.MessageId, body, accepted.Headers, time.GetUtcNow(), accepted.Message);
                var outcome = await grains.GetGrain<IWebhookInboxGrain>($"{webhook.Source}:{webhook.MessageId}").ProcessAsync(webhook);
                return outcome switch
                {
                    InboxOutcome.Processed => TypedResults.Ok(new WebhookAnswer("processed")),
                    InboxOutcome.Duplicate => TypedResults.Ok(new WebhookAnswer("duplicate")),
                    // Kept as a dead letter; the error makes an at-least-once sender try again.
                    _ => Problems.For(ErrorCodes.DependencyUnavailable, "The message could not be processed now; it is kept and will be retried."),
                };
            case var unknown:
                throw new InvalidOperationException($"{source.Name} read a request as {unknown}, which the intake does not know.");
        }
    }
}
