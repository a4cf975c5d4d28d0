using System.Security.Claims;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Orders;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CaaS.ApiHost.Endpoints;

/// <summary>WEB-1 and FAC-1: the web platform orders a vehicle and follows it; ops confirm the hand-over.</summary>
public static class OrdersApi
{
    public sealed record SpecRequest(string? Model, string? Trim, string? Color, string? Country);

    public sealed record OrderRequest(SpecRequest? VehicleSpec);

    public sealed record OrderResponse(string OrderId, string CustomerId, VehicleSpec VehicleSpec, string Status, DateTimeOffset? EstimatedCompletionDate,
        string? Vin, RegistrationRecord? Registration, string? FactoryOrderId, string? LastError, DateTimeOffset CreatedAt, IReadOnlyList<TransitionRecord> History)
    {
        public static OrderResponse From(FactoryOrderView view) => new(view.OrderId, view.CustomerId, view.Spec, view.Status.ToString(),
            view.EstimatedCompletionDate, view.Vin, view.Registration, view.FactoryOrderId, view.LastError, view.CreatedAt, view.History);
    }

    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder endpoints)
    {
        var customer = endpoints.MapGroup("/api/orders").RequireAuthorization(Roles.Customer).RequireValidIds().RequireCustomerRateLimits().WithTags("Orders");
        customer.MapPost("", PlaceAsync)
            .WithName("PlaceOrder").WithSummary("Order a vehicle from the Factory (WEB-1, FAC-1)");
        customer.MapGet("/{id}", async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            await grains.GetGrain<IFactoryOrderGrain>(id).GetAsync() is { } view && view.CustomerId == RentalsApi.CustomerId(user)
                ? TypedResults.Ok(OrderResponse.From(view))
                : Problems.NotFound($"Order {id}"))
            .WithName("GetOrder").WithSummary("One of the caller's orders, with its history");
        endpoints.MapPost("/api/orders/{id}/delivery", async (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(OrderResponse.From(await grains.GetGrain<IFactoryOrderGrain>(id).DeliverAsync(
                new TransitionCause("handed over to the customer", user.Identity?.Name ?? RentalsApi.CustomerId(user))))))
            .RequireAuthorization(Roles.Ops)
            .RequireValidIds()
            .WithTags("Orders")
            .WithName("DeliverOrder").WithSummary("Ops confirm a registered vehicle was handed over");
        return endpoints;
    }

    private static async Task<Results<Created<OrderResponse>, ProblemHttpResult>> PlaceAsync(OrderRequest? body, ClaimsPrincipal user, IGrainFactory grains,
        [FromHeader(Name = IdempotentIds.Header)] string? idempotencyKey)
    {
        var errors = new Dictionary<string, string[]>();
        var spec = body?.VehicleSpec;
        Require(errors, "vehicleSpec.model", spec?.Model, 100);
        Require(errors, "vehicleSpec.trim", spec?.Trim, 100);
        Require(errors, "vehicleSpec.color", spec?.Color, 50);
        if (spec?.Country is not { Length: 2 } country || !country.All(char.IsAsciiLetter))
        {
            errors["vehicleSpec.country"] = ["country is an ISO 3166-1 alpha-2 code, e.g. ES."];
        }

        IdempotentIds.Validate(idempotencyKey, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var customerId = RentalsApi.CustomerId(user);
        var id = IdempotentIds.For("ord-", customerId, idempotencyKey);
        var view = await grains.GetGrain<IFactoryOrderGrain>(id).PlaceAsync(new PlaceFactoryOrder(customerId,
            new VehicleSpec(spec!.Model!.Trim(), spec.Trim!.Trim(), spec.Color!.Trim(), spec.Country!.ToUpperInvariant())));
        return TypedResults.Created($"/api/orders/{id}", OrderResponse.From(view));
    }

    private static void Require(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength)
        {
            errors[field] = [$"{field} is required (at most {maxLength} characters)."];
        }
    }
}
