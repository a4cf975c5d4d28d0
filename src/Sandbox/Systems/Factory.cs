using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Sandbox.Control;
using CaaS.Sandbox.Webhooks;

namespace CaaS.Sandbox.Systems;

/// <summary>
/// The Factory (FAC): takes orders (one per platform reference, so a repeated placement never builds
/// two cars), answers status polls, and sends a signed status webhook whenever an order moves.
/// </summary>
public sealed class Factory(TimeProvider time)
{
    public static readonly string[] Statuses = ["PLACED", "MANUFACTURING", "DELAYED", "READY"];

    public sealed record VehicleSpec(string? Model, string? Trim, string? Color, string? Country);

    public sealed record PlaceOrder(VehicleSpec? VehicleSpec, string? Reference);

    public sealed record Order(string OrderId, string Reference, VehicleSpec VehicleSpec, string Status, string? Vin, DateTimeOffset EstimatedCompletionDate, DateTimeOffset UpdatedAt);

    /// <param name="Deliver">false moves the order without sending its webhook: a lost webhook, which FAC-4's polling recovers.</param>
    public sealed record Advance(string? Status, bool? Duplicate, string? Vin, DateTimeOffset? EstimatedCompletionDate, bool? Deliver);

    private readonly ConcurrentDictionary<string, Order> _orders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _byReference = new(StringComparer.Ordinal);
    private int _built;

    public (Order Order, bool Created) Place(string reference, VehicleSpec spec)
    {
        var created = false;
        var orderId = _byReference.GetOrAdd(reference, _ =>
        {
            var id = "fo-" + Guid.NewGuid().ToString("N")[..12];
            var now = time.GetUtcNow();
            _orders[id] = new Order(id, reference, spec, "PLACED", null, now.AddDays(42), now);
            created = true;
            return id;
        });
        return (_orders[orderId], created);
    }

    public Order? Find(string orderId) => _orders.GetValueOrDefault(orderId);

    public Order Move(Order order, Advance advance)
    {
        var vin = advance.Vin ?? order.Vin;
        if (advance.Status == "READY" && vin is null)
        {
            vin = Vins.Make("WVGZZZE2", "R" + Interlocked.Increment(ref _built).ToString("D7", CultureInfo.InvariantCulture));
        }

        var moved = order with
        {
            Status = advance.Status!,
            Vin = vin,
            EstimatedCompletionDate = advance.EstimatedCompletionDate ?? order.EstimatedCompletionDate,
            UpdatedAt = time.GetUtcNow(),
        };
        _orders[order.OrderId] = moved;
        return moved;
    }
}

public static class FactoryEndpoints
{
    public static IEndpointRouteBuilder MapFactory(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/orders").RequireClientCertificate().RequireApiKey("Factory");
        api.MapPost("", (Factory.PlaceOrder request, Factory factory) =>
        {
            if (string.IsNullOrWhiteSpace(request.Reference) || request.VehicleSpec is not { Model: { Length: > 0 }, Country: { Length: > 0 } } spec)
            {
                return Results.Json(new { error = "reference, vehicleSpec.model and vehicleSpec.country are required" }, statusCode: 400);
            }

            var (order, created) = factory.Place(request.Reference, spec);
            var answer = new { orderId = order.OrderId, estimatedCompletionDate = order.EstimatedCompletionDate };
            return created ? Results.Json(answer, statusCode: 201) : Results.Ok(answer);
        });
        api.MapGet("/{orderId}", (string orderId, Factory factory) => factory.Find(orderId) is { } order
            ? Results.Ok(new { order.OrderId, order.Reference, order.Status, order.Vin, order.EstimatedCompletionDate, order.UpdatedAt })
            : Results.Json(new { error = $"order {orderId} not found" }, statusCode: 404));

        endpoints.MapPost("/sandbox/factory/orders/{orderId}/advance", AdvanceAsync);
        return endpoints;
    }

    private static async Task<IResult> AdvanceAsync(string orderId, Factory.Advance request, Factory factory, WebhookDispatcher webhooks,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (factory.Find(orderId) is not { } order)
        {
            return Problem.NotFound($"order {orderId} is not known to the factory.");
        }

        if (request.Status is null || !Factory.Statuses.Contains(request.Status))
        {
            return Problem.Invalid($"status is one of {string.Join(", ", Factory.Statuses)}.");
        }

        var moved = factory.Move(order, request);
        var occurredAt = time.GetUtcNow();
        var messageId = $"msg_{orderId}_{moved.Status}_{occurredAt.ToUnixTimeMilliseconds()}";
        var json = JsonSerializer.Serialize(new { orderId, reference = moved.Reference, status = moved.Status, vin = moved.Vin,
            estimatedCompletionDate = moved.EstimatedCompletionDate, occurredAt }, JsonSerializerOptions.Web);
        var deliveries = new List<int>();
        var copies = request.Deliver == false ? 0 : request.Duplicate == true ? 2 : 1;
        for (var copy = 0; copy < copies; copy++)
        {
            deliveries.Add(await webhooks.SendStandardAsync(ExternalSystem.Factory, "Integrations:Factory:WebhookSecret", "/webhooks/factory/status", messageId, json, cancellationToken));
        }

        return Results.Ok(new { orderId, status = moved.Status, vin = moved.Vin, deliveries });
    }
}
