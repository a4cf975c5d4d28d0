namespace CaaS.Sandbox.Identity;

public static class IdentityEndpoints
{
    public sealed record TokenRequest(string? Sub, string? Role, int? ExpiresInSeconds);

    public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

    public static IEndpointRouteBuilder MapIdentityProvider(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/sandbox/token", (TokenRequest request, TokenIssuer issuer) =>
        {
            if (string.IsNullOrWhiteSpace(request.Sub) || !TokenIssuer.IsKnownRole(request.Role))
            {
                return Results.Problem(
                    detail: "sub is required and role is one of customer, ops, analytics.",
                    statusCode: StatusCodes.Status400BadRequest,
                    extensions: new Dictionary<string, object?> { ["code"] = "VALIDATION_FAILED" });
            }

            var lifetime = TimeSpan.FromSeconds(request.ExpiresInSeconds ?? 3600);
            return Results.Ok(new TokenResponse(issuer.Issue(request.Sub, request.Role!, lifetime), "Bearer", (int)lifetime.TotalSeconds));
        });
        return endpoints;
    }
}
