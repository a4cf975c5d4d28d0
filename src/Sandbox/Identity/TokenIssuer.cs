using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.Sandbox.Identity;

/// <summary>
/// Plays the identity provider in local runs: signs the tokens the API host validates, with the
/// same configured key (Identity__SigningKey). Tests ask for expired tokens to prove they are refused.
/// </summary>
public sealed class TokenIssuer(IConfiguration configuration, TimeProvider time)
{
    private static readonly string[] KnownRoles = ["customer", "ops", "analytics"];

    private readonly IConfigurationSection _identity = configuration.GetSection("Identity");

    public static bool IsKnownRole(string? role) => role is not null && KnownRoles.Contains(role);

    public string Issue(string subject, string role, TimeSpan lifetime)
    {
        var key = _identity["SigningKey"] ?? throw new InvalidOperationException("Identity:SigningKey is not configured.");
        var now = time.GetUtcNow().UtcDateTime;
        var expires = now + lifetime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _identity["Issuer"] ?? "caas-sandbox",
            Audience = _identity["Audience"] ?? "caas-api",
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("role", role)]),
            // An expired token must also have been valid once, or the handler rejects the descriptor.
            NotBefore = expires < now ? expires - TimeSpan.FromMinutes(1) : now,
            IssuedAt = expires < now ? expires - TimeSpan.FromMinutes(1) : now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
