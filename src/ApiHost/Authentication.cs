using System.Text;
using CaaS.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.ApiHost;

/// <summary>Roles a token can carry, and the policies the endpoints require.</summary>
public static class Roles
{
    public const string Customer = "customer";
    public const string Ops = "ops";
    public const string Analytics = "analytics";
}

/// <summary>The token issuer the API trusts, section <c>Identity</c> (Identity__SigningKey, Identity__Issuer, Identity__Audience).</summary>
public sealed class TokenOptions
{
    public const string Section = "Identity";
    public const string SigningKeySetting = Section + ":" + nameof(SigningKey);

    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "caas-sandbox";

    public string Audience { get; set; } = "caas-api";
}

/// <summary>
/// A key is needed in every environment; SEC-5 adds that outside Development it must not be the one
/// config/local.json gives the sandbox, with which anyone holding the repository could mint tokens.
/// </summary>
internal sealed class TokenOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<TokenOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        var failures = DevelopmentSecrets.Refusals(environment, [new(TokenOptions.SigningKeySetting, options.SigningKey)]).ToList();
        if (failures.Count == 0 && string.IsNullOrWhiteSpace(options.SigningKey))
        {
            failures.Add($"{TokenOptions.SigningKeySetting} is not set: no token could be verified.");
        }

        if (string.IsNullOrWhiteSpace(options.Issuer) || string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add($"{TokenOptions.Section}:Issuer and {TokenOptions.Section}:Audience must not be empty.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class AuthenticationSetup
{
    /// <summary>
    /// Bearer JWTs from the configured issuer (the sandbox in local runs), its settings bound once and
    /// validated at start-up (<see cref="TokenOptions"/>).
    /// </summary>
    public static IServiceCollection AddCaaSAuthentication(this IServiceCollection services)
    {
        services.AddOptions<TokenOptions>().BindConfiguration(TokenOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokenOptions>, TokenOptionsValidator>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<TokenOptions>>((options, tokens) =>
        {
            var identity = tokens.Value;
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = identity.Issuer,
                ValidAudience = identity.Audience,
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(identity.SigningKey!)),
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
