using System.Collections.Concurrent;
using System.Globalization;

namespace CaaS.Sandbox.Systems;

/// <summary>The country registration bodies (REG-1): one per served country, each registering a VIN once per idempotency key.</summary>
public sealed class RegistrationBodies(TimeProvider time)
{
    public static readonly string[] Countries = ["es", "de", "fr", "it", "pt"];

    public sealed record RegisterRequest(string? Vin, string? Model, string? OwnerId);

    public sealed record Registration(string RegistrationId, string Vin, string Country, string PlateNumber, DateTimeOffset RegisteredAt);

    private readonly ConcurrentDictionary<string, Registration> _byKey = new(StringComparer.Ordinal);
    private int _plates;

    public Registration Register(string country, string vin, string idempotencyKey) =>
        _byKey.GetOrAdd($"{country}/{idempotencyKey}", _ =>
        {
            var serial = Interlocked.Increment(ref _plates);
            var plate = $"{country.ToUpperInvariant()}-{serial:D4}-{(char)('B' + (serial % 20))}{(char)('C' + (serial / 20 % 20))}{(char)('D' + (serial / 400 % 20))}";
            return new Registration("reg-" + Guid.NewGuid().ToString("N")[..12], vin, country, plate, time.GetUtcNow());
        });
}

public static class RegistrationEndpoints
{
    public static IEndpointRouteBuilder MapRegistrationBodies(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/countries/{country}").RequireApiKey("Registration")
            .MapPost("/api/registration/vehicles", (string country, RegistrationBodies.RegisterRequest request, HttpRequest http, RegistrationBodies bodies) =>
            {
                var normalized = country.ToLower(CultureInfo.InvariantCulture);
                if (!RegistrationBodies.Countries.Contains(normalized))
                {
                    return Results.Json(new { error = $"no registration body for country {country}" }, statusCode: 404);
                }

                var key = http.Headers["Idempotency-Key"].ToString();
                if (string.IsNullOrWhiteSpace(request.Vin) || string.IsNullOrWhiteSpace(request.OwnerId) || key.Length == 0)
                {
                    return Results.Json(new { error = "vin, ownerId and an Idempotency-Key header are required" }, statusCode: 400);
                }

                return Results.Json(bodies.Register(normalized, request.Vin, key), statusCode: 201);
            });
        return endpoints;
    }
}
