using System.Security.Claims;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.Sandbox.Identity;

/// <summary>What one access token says; the overrides exist so tests can show the API refusing a token that differs in one claim only.</summary>
public sealed record TokenClaims(string Subject, string Role, TimeSpan Lifetime)
{
    public string Algorithm { get; init; } = SigningKeys.Rs256;

    public string? ClientId { get; init; }

    public string? IssuerOverride { get; init; }

    /// <summary>An empty string leaves the aud claim out.</summary>
    public string? AudienceOverride { get; init; }
}

/// <summary>
/// SEC-6: plays the OpenID Connect issuer in local runs. Its identifier is <c>Identity:Authority</c>,
/// the very setting the API host reads to find it, so the two ends agree through config/local.json as
/// they do for every other credential; without it, the address the sandbox listens on.
/// </summary>
public sealed class TokenIssuer(IConfiguration configuration, SigningKeys keys, IServer server, TimeProvider time)
{
    public const string DefaultAudience = "caas-api";

    private static readonly string[] KnownRoles = ["customer", "ops", "analytics"];

    private string? _issuer;

    public static bool IsKnownRole(string? role) => role is not null && KnownRoles.Contains(role);

    // Resolved on first use: the server's addresses exist only once it listens.
    public string Issuer => _issuer ??= (configuration["Identity:Authority"]
        ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
        ?? throw new InvalidOperationException("Identity:Authority is not set and the sandbox listens nowhere yet.")).TrimEnd('/');

    public string Audience => configuration["Identity:Audience"] ?? DefaultAudience;

    public string Issue(TokenClaims claims)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var expires = now + claims.Lifetime;
        // An expired token must also have been valid once, or the handler rejects the descriptor.
        var validFrom = expires < now ? expires - TimeSpan.FromMinutes(1) : now;
        var subject = new ClaimsIdentity([
            new Claim("sub", claims.Subject),
            new Claim("role", claims.Role),
            new Claim("jti", Guid.NewGuid().ToString("N")),
        ]);
        if (claims.ClientId is not null)
        {
            subject.AddClaim(new Claim("client_id", claims.ClientId));
        }

        var audience = claims.AudienceOverride ?? Audience;
        var descriptor = new SecurityTokenDescriptor
        {
            // RFC 9068's type for JWT access tokens, so one is never mistaken for an ID token.
            TokenType = "at+jwt",
            Issuer = claims.IssuerOverride ?? Issuer,
            Audience = audience.Length == 0 ? null : audience,
            Subject = subject,
            NotBefore = validFrom,
            IssuedAt = validFrom,
            Expires = expires,
            SigningCredentials = keys.CredentialsFor(claims.Algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
