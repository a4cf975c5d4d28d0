using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.ApiHost;

/// <summary>
/// Issue 18 point 3: a token already validated is not verified again until it expires or
/// <see cref="TokenOptions.ValidatedTokenCacheTime"/> has passed, whichever comes first. The mobile
/// app sends the same token on every call for its whole lifetime, and the signature check was the
/// costliest step of a read. Nothing weaker is accepted: the key is the whole token, signature
/// included, so a changed byte misses; a token is never served past its own exp; and the cap keeps
/// a withdrawn signing key trusted no longer than JwtBearer's own JWKS refresh already would.
/// Refusals are not remembered, so a rotated key is still fetched on its first token.
/// The lifetime cap (TokenValidated event) still runs on every call.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider time, TimeSpan cacheTime, int capacity) : JsonWebTokenHandler
{
    private readonly ConcurrentDictionary<string, (TokenValidationResult Result, DateTimeOffset Until)> _validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow();
        if (_validated.TryGetValue(token, out var known))
        {
            if (known.Until > now)
            {
                return Copy(known.Result);
            }

            _validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && cacheTime > TimeSpan.Zero)
        {
            var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
            var until = expires < now + cacheTime ? expires : now + cacheTime;
            MakeRoom(now);
            _validated[token] = (result, until);
            return Copy(result);
        }

        return result;
    }

    /// <summary>Each request gets an identity of its own: whatever one request's pipeline adds to it must not reach another's.</summary>
    private static TokenValidationResult Copy(TokenValidationResult validated) => new()
    {
        IsValid = true,
        SecurityToken = validated.SecurityToken,
        ClaimsIdentity = validated.ClaimsIdentity.Clone(),
        Issuer = validated.Issuer,
        TokenType = validated.TokenType,
    };

    /// <summary>A full cache first drops what has expired; if that is not enough it starts over, which costs one verification per token.</summary>
    private void MakeRoom(DateTimeOffset now)
    {
        if (_validated.Count < capacity)
        {
            return;
        }

        foreach (var (token, entry) in _validated)
        {
            if (entry.Until <= now)
            {
                _validated.TryRemove(token, out _);
            }
        }

        if (_validated.Count >= capacity)
        {
            _validated.Clear();
        }
    }
}
