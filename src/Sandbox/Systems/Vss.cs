using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace CaaS.Sandbox.Systems;

/// <summary>
/// The VSS workshop system (VSS-1, VSS-3): an OAuth 2.0 client-credentials token endpoint whose tokens
/// expire (Sandbox:Vss:TokenLifetimeSeconds, default 300), and the maintenance query behind them.
/// </summary>
public sealed class Vss(TimeProvider time, IConfiguration configuration, FleetManagement fleet)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);

    public sealed record Maintenance(string Vin, string Status, int Percentage, DateOnly NextServiceDate);

    public int TokenLifetimeSeconds => configuration.GetValue("Sandbox:Vss:TokenLifetimeSeconds", 300);

    public bool IsClient(string? clientId, string? clientSecret) =>
        ApiKeys.Matches(configuration["Integrations:Vss:ClientId"], clientId) && ApiKeys.Matches(configuration["Integrations:Vss:ClientSecret"], clientSecret);

    public string Issue()
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = time.GetUtcNow().AddSeconds(TokenLifetimeSeconds);
        return token;
    }

    public bool IsValid(string? token) => token is not null && _tokens.TryGetValue(token, out var expiry) && time.GetUtcNow() < expiry;

    public Maintenance MaintenanceOf(string vin)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return string.Equals(vin, fleet.OverdueVin, StringComparison.OrdinalIgnoreCase)
            ? new Maintenance(vin.ToUpperInvariant(), "OVERDUE", 100, today.AddDays(-12))
            : new Maintenance(vin.ToUpperInvariant(), "CURRENT", 35, today.AddDays(180));
    }
}

public static class VssEndpoints
{
    public static IEndpointRouteBuilder MapVss(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/oauth/token", async (HttpRequest request, Vss vss) =>
        {
            if (!request.HasFormContentType)
            {
                return Results.Json(new { error = "invalid_request" }, statusCode: 400);
            }

            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            if (form["grant_type"] != "client_credentials")
            {
                return Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400);
            }

            return vss.IsClient(form["client_id"], form["client_secret"])
                ? Results.Ok(new Dictionary<string, object> { ["access_token"] = vss.Issue(), ["token_type"] = "Bearer", ["expires_in"] = vss.TokenLifetimeSeconds })
                : Results.Json(new { error = "invalid_client" }, statusCode: 401);
        });
        endpoints.MapGet("/api/v2/vehicles/{vin}/maintenance", (string vin, HttpRequest request, Vss vss) =>
        {
            var authorization = request.Headers.Authorization.ToString();
            var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
            return vss.IsValid(token) ? Results.Ok(vss.MaintenanceOf(vin)) : Results.Json(new { error = "invalid_token" }, statusCode: 401);
        });
        return endpoints;
    }
}
