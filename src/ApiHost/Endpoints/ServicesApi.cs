using System.Security.Claims;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CaaS.ApiHost.Endpoints;

/// <summary>WEB-1: buy a vehicle service and follow its activation (VSS, PAY-6, IOT-3).</summary>
public static class ServicesApi
{
    public sealed record PurchaseRequest(string? ServiceCode, string? PaymentMethodId);

    public sealed record PurchaseResponse(string PurchaseId, string CustomerId, string Vin, string ServiceCode, string Status, bool Charged, int Attempts,
        Money? Price, string? Settlement, string? ErrorCode, string? ErrorMessage, DateTimeOffset CreatedAt, IReadOnlyList<TransitionRecord> History)
    {
        public static PurchaseResponse From(ServicePurchaseView view) => new(view.PurchaseId, view.CustomerId, view.Vin, view.ServiceCode, view.Status.ToString(),
            view.Charged, view.Attempts, view.Price, view.Settlement, view.ErrorCode, view.ErrorMessage, view.CreatedAt, view.History);
    }

    public static IEndpointRouteBuilder MapServicesApi(this IEndpointRouteBuilder endpoints)
    {
        var customer = endpoints.MapGroup("/api").RequireAuthorization(Roles.Customer).RequireValidIds().RequireCustomerRateLimits().WithTags("Services");
        customer.MapPost("/vehicles/{vin}/services", PurchaseAsync)
            .WithName("PurchaseService").WithSummary("Buy a vehicle service for the caller's own vehicle; activated over the air, then charged (WEB-1)");
        customer.MapGet("/service-purchases/{id}", async Task<Results<Ok<PurchaseResponse>, ProblemHttpResult>> (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            await grains.GetGrain<IServicePurchaseGrain>(id).GetAsync() is { } view && view.CustomerId == RentalsApi.CustomerId(user)
                ? TypedResults.Ok(PurchaseResponse.From(view))
                : Problems.NotFound($"Service purchase {id}"))
            .WithName("GetServicePurchase").WithSummary("One of the caller's service purchases, with its history");
        return endpoints;
    }

    private static async Task<Results<Accepted<PurchaseResponse>, ProblemHttpResult>> PurchaseAsync(string vin, PurchaseRequest? body, ClaimsPrincipal user, IGrainFactory grains,
        [FromHeader(Name = IdempotentIds.Header)] string? idempotencyKey)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Vin.IsValid(vin))
        {
            errors["vin"] = [Vin.Rule];
        }

        if (body?.ServiceCode is not { Length: > 0 and <= 50 } code || !code.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            errors["serviceCode"] = ["serviceCode is required: capital letters, digits and underscores, at most 50."];
        }

        if (string.IsNullOrWhiteSpace(body?.PaymentMethodId) || body.PaymentMethodId.Length > 100)
        {
            errors["paymentMethodId"] = ["paymentMethodId is required (at most 100 characters)."];
        }

        IdempotentIds.Validate(idempotencyKey, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var customerId = RentalsApi.CustomerId(user);
        var id = IdempotentIds.For("pur-", customerId, idempotencyKey);
        var view = await grains.GetGrain<IServicePurchaseGrain>(id).StartAsync(
            new StartServicePurchase(customerId, Vin.Normalize(vin), body!.ServiceCode!, body.PaymentMethodId!));
        return TypedResults.Accepted((string?)null, PurchaseResponse.From(view));
    }
}
