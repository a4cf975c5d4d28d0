using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.ApiHost;

/// <summary>Roles a token can carry, and the policies the endpoints require.</summary>
public static class Roles
{
    public const string Customer = "customer";
    public const string Ops = "ops";
    public const string Analytics = "analytics";
}

/// <summary>
/// SEC-6: the OpenID Connect issuer the API trusts, section <c>Identity</c>. Its keys come from the
/// issuer's own discovery document and JWKS, never from this configuration.
/// </summary>
public sealed class TokenOptions
{
    public const string Section = "Identity";
    public const string AuthoritySetting = Section + ":" + nameof(Authority);
    public const string AudienceSetting = Section + ":" + nameof(Audience);

    /// <summary>The issuer's URL; discovery is read at <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> every token must carry: this API's identifier at the issuer.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim roles are read from (Entra ID puts app roles in <c>roles</c>).</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>
    /// The longest a token may have been issued for, from its iat (or nbf) to its exp: a leaked
    /// long-lived token is refused even when its issuer was willing to sign it. 90 minutes covers
    /// the usual issuers' defaults (Entra ID's 60 to 90).
    /// </summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromMinutes(90);

    /// <summary>
    /// How soon after one refetch a token signed with a key the API does not know may make it fetch
    /// the JWKS again (JwtBearer's own default: 5 minutes). A rotation is picked up on its first such token.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a validated token is trusted without verifying its signature again (never past its
    /// exp); zero verifies every call. As long as <see cref="KeyRefreshInterval"/>, so a withdrawn key
    /// is trusted no longer through the cache than through the JWKS JwtBearer holds.
    /// </summary>
    public TimeSpan ValidatedTokenCacheTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Validated tokens remembered at most: about 3 KB each.</summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;
}

/// <summary>
/// Refuses the start, naming the setting, when no issuer could be trusted: no authority, one that is
/// not a URL, or outside Development one fetched over plain http (whoever sits on the path could hand
/// out keys of their own).
/// </summary>
internal sealed class TokenOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<TokenOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Authority))
        {
            failures.Add($"{TokenOptions.AuthoritySetting} is not set; set it to the OpenID Connect issuer's URL (its discovery document is read at {{authority}}/.well-known/openid-configuration).");
        }
        else if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{TokenOptions.AuthoritySetting} is not an absolute http(s) URL: {options.Authority}");
        }
        else if (authority.Scheme != Uri.UriSchemeHttps && environment?.IsDevelopment() != true)
        {
            failures.Add($"{TokenOptions.AuthoritySetting} must be https outside Development: {options.Authority}");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add($"{TokenOptions.AudienceSetting} is not set; set it to this API's identifier at the issuer.");
        }

        if (string.IsNullOrWhiteSpace(options.RoleClaim))
        {
            failures.Add($"{TokenOptions.Section}:{nameof(TokenOptions.RoleClaim)} must not be empty.");
        }

        if (options.MaxTokenLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{TokenOptions.Section}:{nameof(TokenOptions.MaxTokenLifetime)} must be positive.");
        }

        if (options.ValidatedTokenCacheTime < TimeSpan.Zero || options.ValidatedTokenCacheSize < 1)
        {
            failures.Add($"{TokenOptions.Section}:{nameof(TokenOptions.ValidatedTokenCacheTime)} must not be negative and {TokenOptions.Section}:{nameof(TokenOptions.ValidatedTokenCacheSize)} at least 1.");
        }

        if (options.KeyRefreshInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{TokenOptions.Section}:{nameof(TokenOptions.KeyRefreshInterval)} must be at least one second.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class AuthenticationSetup
{
    /// <summary>
    /// The algorithms a token may be signed with. Pinned to asymmetric ones: an HMAC token would verify
    /// with a shared secret (or with a public key misused as one), and <c>none</c> with nothing.
    /// </summary>
    public static readonly IReadOnlyList<string> Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>
    /// SEC-6: bearer JWTs from the configured OpenID Connect issuer (the sandbox in local runs), keys
    /// from its JWKS through JwtBearer's configuration manager (refetched on a key it does not know),
    /// issuer, audience, expiry and the lifetime cap always checked; settings validated at start-up.
    /// </summary>
    public static IServiceCollection AddCaaSAuthentication(this IServiceCollection services)
    {
        services.AddOptions<TokenOptions>().BindConfiguration(TokenOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokenOptions>, TokenOptionsValidator>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<TokenOptions>, IHostEnvironment, TimeProvider>((options, tokens, environment, time) =>
        {
            var identity = tokens.Value;
            options.Authority = identity.Authority;
            options.Audience = identity.Audience;
            // Plain-http discovery is for a local issuer only; elsewhere the validator has already refused it.
            options.RequireHttpsMetadata = !environment.IsDevelopment();
            options.RefreshInterval = identity.KeyRefreshInterval;
            options.RefreshOnIssuerKeyNotFound = true;
            options.MapInboundClaims = false;
            options.TokenHandlers.Clear();
            options.TokenHandlers.Add(new ValidatedTokenCache(time, identity.ValidatedTokenCacheTime, identity.ValidatedTokenCacheSize) { MapInboundClaims = false });
            options.TokenValidationParameters = new TokenValidationParameters
            {
                // The issuer comes from the discovery document, the keys from its JWKS.
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidAudience = identity.Audience,
                RequireAudience = true,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                ValidateIssuerSigningKey = true,
                ValidAlgorithms = Algorithms,
                NameClaimType = "sub",
                RoleClaimType = identity.RoleClaim,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    if (LifetimeRefusal(context.SecurityToken, identity.MaxTokenLifetime) is { } refusal)
                    {
                        context.Fail(refusal);
                    }

                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Customer, policy => policy.RequireRole(Roles.Customer))
            .AddPolicy(Roles.Ops, policy => policy.RequireRole(Roles.Ops))
            .AddPolicy(Roles.Analytics, policy => policy.RequireRole(Roles.Analytics, Roles.Ops));
        return services;
    }

    /// <summary>
    /// Why a token's lifetime is over the cap, or null; measured from the earlier of iat and nbf, so
    /// neither can be bent to shorten it. A lifetime exception, so the challenge names the lifetime as
    /// the reason as it does for an expired token.
    /// </summary>
    public static SecurityTokenInvalidLifetimeException? LifetimeRefusal(SecurityToken token, TimeSpan maximum)
    {
        if (token is not JsonWebToken jwt)
        {
            return new SecurityTokenInvalidLifetimeException("the token is not a JWT");
        }

        DateTime[] starts = [.. new[] { jwt.IssuedAt, jwt.ValidFrom }.Where(start => start != DateTime.MinValue)];
        if (starts.Length == 0)
        {
            return new SecurityTokenInvalidLifetimeException("the token has neither iat nor nbf, so its lifetime cannot be bounded") { Expires = jwt.ValidTo };
        }

        var lifetime = jwt.ValidTo - starts.Min();
        return lifetime <= maximum ? null
            : new SecurityTokenInvalidLifetimeException($"the token's lifetime {lifetime} is over {TokenOptions.Section}:{nameof(TokenOptions.MaxTokenLifetime)} ({maximum})")
            {
                NotBefore = starts.Min(),
                Expires = jwt.ValidTo,
            };
    }
}
