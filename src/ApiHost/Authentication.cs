using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.ApiHost;

/// <summary>Roles a token can carry, and the policies the endpoints require.</summary>
public static class Roles
{
    public const string Customer = "customer";
    public const string Ops = "ops";
    public const string Analytics = "analytics";
}

public static class AuthenticationSetup
{
    /// <summary>
    /// Bearer JWTs from the configured issuer (the sandbox in local runs). The signing key, issuer and
    /// audience are configuration (Identity__SigningKey, Identity__Issuer, Identity__Audience).
    /// </summary>
    public static IServiceCollection AddCaaSAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var identity = configuration.GetSection("Identity");
        var signingKey = identity["SigningKey"]
            ?? throw new InvalidOperationException("Identity:SigningKey is not configured.");
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = identity["Issuer"] ?? "caas-sandbox",
                ValidAudience = identity["Audience"] ?? "caas-api",
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)),
                NameClaimType = "sub",
                RoleClaimType = "role",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Customer, policy => policy.RequireRole(Roles.Customer))
            .AddPolicy(Roles.Ops, policy => policy.RequireRole(Roles.Ops))
            .AddPolicy(Roles.Analytics, policy => policy.RequireRole(Roles.Analytics, Roles.Ops));
        return services;
    }
}
