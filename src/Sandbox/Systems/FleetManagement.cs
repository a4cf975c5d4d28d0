using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Sandbox.Control;
using CaaS.Sandbox.Webhooks;

namespace CaaS.Sandbox.Systems;

/// <summary>
/// Fleet Management (FLT): the seeded fleet of cars and vans, looked up over REST, and the events it
/// publishes to the platform when a vehicle's status changes or maintenance is scheduled.
/// </summary>
public sealed class FleetManagement(TimeProvider time, IConfiguration configuration)
{
    public const int SeededSize = 20;

    /// <summary>
    /// Sandbox:FleetSize grows the fleet for load runs (a 100,000-vehicle fleet for the IoT poller's
    /// benchmark). Never under the seeded 20, which tests and the overdue vehicle rely on.
    /// </summary>
    public const string SizeSetting = "Sandbox:FleetSize";

    public sealed record FleetVehicle(string VehicleId, string Vin, string Model, string Category, string Status, double Latitude, double Longitude, DateTimeOffset UpdatedAt);

    public sealed record SeededVehicle(string VehicleId, string Vin, string Model, string Category, bool MaintenanceOverdue);

    public sealed record FleetEventRequest(string? EventId, string? Type, string? Vin, DateTimeOffset? OccurredAt, string? Status,
        DateTimeOffset? From, DateTimeOffset? To, bool? Duplicate, bool? Lost = null);

    public static readonly string[] Statuses = ["Available", "InUse", "Maintenance", "OutOfService"];

    private static readonly (string Model, string Category)[] Models =
        [("ID.3", "car"), ("ID.4", "car"), ("Golf", "car"), ("Polo", "car"), ("ID. Buzz Cargo", "van"), ("Transporter", "van")];

    private readonly ConcurrentDictionary<string, FleetVehicle> _vehicles = new(
        Seed(time.GetUtcNow(), Math.Max(SeededSize, configuration.GetValue(SizeSetting, SeededSize))), StringComparer.OrdinalIgnoreCase);

    /// <summary>The one seeded vehicle whose maintenance is overdue at VSS (VSS-2).</summary>
    public string OverdueVin { get; } = SeededVin(SeededSize - 1);

    public IReadOnlyList<FleetVehicle> All => [.. _vehicles.Values.OrderBy(vehicle => vehicle.VehicleId, StringComparer.Ordinal)];

    public FleetVehicle? Find(string vin) => _vehicles.GetValueOrDefault(vin);

    public bool IsSeeded(string vin) => _vehicles.ContainsKey(vin);

    /// <summary>
    /// The list shows what Fleet Management last saw happen: an event that occurred before the one the
    /// list already shows (sent late, out of order) does not change it, as FLT-3 asks of the platform too.
    /// </summary>
    public void SetStatus(string vin, string status, DateTimeOffset occurredAt) =>
        _vehicles.AddOrUpdate(vin, _ => throw new KeyNotFoundException(vin),
            (_, vehicle) => occurredAt < vehicle.UpdatedAt ? vehicle : vehicle with { Status = status, UpdatedAt = occurredAt });

    private static string SeededVin(int index) => Vins.Make("WVWZZZE1", "P" + (900001 + index).ToString("D7", CultureInfo.InvariantCulture));

    private static IEnumerable<KeyValuePair<string, FleetVehicle>> Seed(DateTimeOffset now, int size) =>
        Enumerable.Range(0, size).Select(index =>
        {
            var (model, category) = Models[index % Models.Length];
            var vin = SeededVin(index);
            var vehicle = new FleetVehicle($"veh-{index + 1:D3}", vin, model, category, "Available",
                // Positions repeat every thousand vehicles so a large fleet stays on the map.
                40.40 + (index % 1000 * 0.0037), -3.72 + (index % 1000 * 0.0041), now);
            return KeyValuePair.Create(vin, vehicle);
        });

    public IReadOnlyList<SeededVehicle> Seeded =>
        [.. All.Select(vehicle => new SeededVehicle(vehicle.VehicleId, vehicle.Vin, vehicle.Model, vehicle.Category, vehicle.Vin == OverdueVin))];
}

public static class FleetEndpoints
{
    public static IEndpointRouteBuilder MapFleetManagement(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/fleet").RequireApiKey("Fleet");
        api.MapGet("/vehicles", (FleetManagement fleet) => Results.Ok(fleet.All));
        api.MapGet("/vehicles/{vin}", (string vin, FleetManagement fleet) =>
            fleet.Find(vin) is { } vehicle ? Results.Ok(vehicle) : Results.Json(new { error = $"vehicle {vin} not found" }, statusCode: 404));

        endpoints.MapGet("/sandbox/fleet/vehicles", (FleetManagement fleet) => Results.Ok(fleet.Seeded));
        endpoints.MapPost("/sandbox/fleet/events", PublishAsync);
        return endpoints;
    }

    private static async Task<IResult> PublishAsync(FleetManagement.FleetEventRequest request, FleetManagement fleet, WebhookDispatcher webhooks,
        FleetEventStream stream, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.Vin is null || fleet.Find(request.Vin) is null)
        {
            return Problem.NotFound("vin must name a vehicle of the seeded fleet.");
        }

        var occurredAt = request.OccurredAt ?? time.GetUtcNow();
        var eventId = request.EventId ?? "evt_" + Guid.NewGuid().ToString("N");
        object body;
        switch (request.Type)
        {
            case "VehicleStatusChanged" when request.Status is not null && FleetManagement.Statuses.Contains(request.Status):
                fleet.SetStatus(request.Vin, request.Status, occurredAt);
                body = new { eventId, type = request.Type, vin = request.Vin, occurredAt, status = request.Status };
                break;
            case "MaintenanceScheduled" when request.From is { } from && request.To is { } to && from < to:
                body = new { eventId, type = request.Type, vin = request.Vin, occurredAt, from, to };
                break;
            default:
                return Problem.Invalid("type is VehicleStatusChanged with a status, or MaintenanceScheduled with from before to.");
        }

        var json = JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
        var deliveries = new List<int>();
        // Lost: it happened at Fleet Management (the list shows it) but its webhook never reaches the platform.
        var copies = request.Lost == true ? 0 : request.Duplicate == true ? 2 : 1;
        if (stream.Enabled)
        {
            for (var copy = 0; copy < copies; copy++)
            {
                await stream.PublishAsync(request.Vin, json, cancellationToken);
            }

            return Results.Ok(new { eventId, deliveries, streamed = copies });
        }

        for (var copy = 0; copy < copies; copy++)
        {
            deliveries.Add(await webhooks.SendStandardAsync(ExternalSystem.Fleet, "Integrations:Fleet:WebhookSecret", "/events/fleet", eventId, json, cancellationToken));
        }

        return Results.Ok(new { eventId, deliveries });
    }
}
