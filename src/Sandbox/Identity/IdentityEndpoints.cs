using System.Net.Http.Headers;
using System.Text;
using CaaS.Sandbox.Control;

namespace CaaS.Sandbox.Identity;

/// <summary>
/// SEC-6: the sandbox as a standard OpenID Connect issuer (discovery, JWKS, a client_credentials token
/// endpoint), plus the <c>POST /sandbox/token</c> convenience for tests and demos, all signing with the
/// same keys.
/// </summary>
public static class IdentityEndpoints
{
    public const string DiscoveryPath = "/.well-known/openid-configuration";
    public const string JwksPath = "/.well-known/jwks.json";
    public const string TokenPath = "/connect/token";

    public sealed record TokenRequest(string? Sub, string? Role, int? ExpiresInSeconds, string? Alg, string? Issuer, string? Audience);

    public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

    public static IEndpointRouteBuilder MapIdentityProvider(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(DiscoveryPath, (TokenIssuer issuer) => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer.Issuer,
            ["jwks_uri"] = issuer.Issuer + JwksPath,
            ["token_endpoint"] = issuer.Issuer + TokenPath,
            ["grant_types_supported"] = new[] { "client_credentials" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post" },
            ["response_types_supported"] = new[] { "token" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = SigningKeys.Algorithms,
            ["scopes_supported"] = new[] { issuer.Audience },
            ["claims_supported"] = new[] { "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "role", "client_id" },
        }));
        endpoints.MapGet(JwksPath, (SigningKeys keys) => Results.Json(new { keys = keys.Published() }));
        endpoints.MapPost(TokenPath, ClientCredentialsAsync);
        endpoints.MapPost("/sandbox/token", (TokenRequest request, TokenIssuer issuer) =>
        {
            if (string.IsNullOrWhiteSpace(request.Sub) || !TokenIssuer.IsKnownRole(request.Role))
            {
                return Problem.Invalid("sub is required and role is one of customer, ops, analytics.");
            }

            var algorithm = request.Alg ?? SigningKeys.Rs256;
            if (!SigningKeys.Algorithms.Contains(algorithm))
            {
                return Problem.Invalid("alg is RS256 or ES256.");
            }

            var lifetime = TimeSpan.FromSeconds(request.ExpiresInSeconds ?? 3600);
            var token = issuer.Issue(new TokenClaims(request.Sub, request.Role!, lifetime)
            {
                Algorithm = algorithm,
                IssuerOverride = request.Issuer,
                AudienceOverride = request.Audience,
            });
            return Results.Ok(new TokenResponse(token, "Bearer", (int)lifetime.TotalSeconds));
        });
        endpoints.MapPost("/sandbox/identity/rotate", (SigningKeys keys) => Results.Ok(new { signingKeyIds = keys.Rotate() }));
        return endpoints;
    }

    /// <summary>RFC 6749 section 4.4: a service client trades its id and secret for an access token carrying its role.</summary>
    private static async Task<IResult> ClientCredentialsAsync(HttpRequest request, ServiceClients clients, TokenIssuer issuer, IConfiguration configuration)
    {
        // RFC 6749 section 5.1: token answers are never cached.
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        if (!request.HasFormContentType)
        {
            return OAuthError(StatusCodes.Status400BadRequest, "invalid_request", "the body is application/x-www-form-urlencoded");
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        if (form["grant_type"] != "client_credentials")
        {
            return OAuthError(StatusCodes.Status400BadRequest, "unsupported_grant_type", "only client_credentials is served");
        }

        var basic = BasicCredentials(request);
        var (clientId, secret) = basic ?? (form["client_id"].ToString(), form["client_secret"].ToString());
        if (clients.Authenticate(clientId, secret) is not { } role)
        {
            if (basic is not null)
            {
                request.HttpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"caas-sandbox\"";
            }

            return OAuthError(StatusCodes.Status401Unauthorized, "invalid_client", "unknown client or wrong secret");
        }

        var scopes = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (scopes.Any(scope => scope != issuer.Audience))
        {
            return OAuthError(StatusCodes.Status400BadRequest, "invalid_scope", $"the only scope is {issuer.Audience}");
        }

        var lifetime = TimeSpan.FromSeconds(configuration.GetValue("Sandbox:Identity:TokenLifetimeSeconds", 3600));
        var token = issuer.Issue(new TokenClaims(clientId, role, lifetime) { ClientId = clientId });
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)lifetime.TotalSeconds,
            ["scope"] = issuer.Audience,
        });
    }

    /// <summary>RFC 6749 section 2.3.1: the id and secret are form-encoded before they are joined and base64-encoded.</summary>
    private static (string ClientId, string Secret)? BasicCredentials(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : (Uri.UnescapeDataString(decoded[..colon].Replace('+', ' ')), Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' ')));
    }

    private static IResult OAuthError(int status, string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: status);
}
