using System.Security.Claims;
using System.Security.Cryptography;
using CaaS.ApiHost;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.Integration.Tests;

/// <summary>
/// Issue 18 point 3 without weakening SEC-6: a validated token is remembered, but never past its exp
/// nor past the cache time, never for a token that differs by a byte, never for a refusal, and each
/// call gets an identity of its own. The signing-key resolver counts real verifications. The cache
/// runs on a fake clock started at the real time; the token handler judges expiry on the real one, so
/// what these tests prove is when the cache answers and when it leaves the token to the handler.
/// </summary>
public sealed class ValidatedTokenCacheTests : IDisposable
{
    private const string Issuer = "https://issuer.caas.test";
    private const string Audience = "caas-api";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly List<SecurityKey> _published = [];
    private int _keyLookups;

    public ValidatedTokenCacheTests() => _published.Add(Key("key-1"));

    private RsaSecurityKey Key(string kid) => new(_rsa) { KeyId = kid };

    private ValidatedTokenCache Cache(TimeSpan cacheTime, int capacity = 100) => new(_time, cacheTime, capacity) { MapInboundClaims = false };

    private TokenValidationParameters Parameters => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        IssuerSigningKeyResolver = (_, _, kid, _) =>
        {
            Interlocked.Increment(ref _keyLookups);
            return _published.Where(key => key.KeyId == kid);
        },
    };

    /// <param name="lifetime">From now (negative: already expired).</param>
    private string Token(string subject, TimeSpan lifetime, string kid = "key-1", TimeSpan? issuedBefore = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("role", "customer")]),
        IssuedAt = (_time.GetUtcNow() - (issuedBefore ?? TimeSpan.Zero)).UtcDateTime,
        NotBefore = (_time.GetUtcNow() - (issuedBefore ?? TimeSpan.Zero)).UtcDateTime,
        Expires = (_time.GetUtcNow() + lifetime).UtcDateTime,
        SigningCredentials = new SigningCredentials(Key(kid), SecurityAlgorithms.RsaSha256),
    });

    [Fact]
    public async Task Issue_18_a_token_is_verified_once_then_remembered_until_the_cache_time_passes()
    {
        var cache = Cache(TimeSpan.FromMinutes(5));
        var token = Token("cust-1", TimeSpan.FromMinutes(60));

        var first = await cache.ValidateTokenAsync(token, Parameters);
        var second = await cache.ValidateTokenAsync(token, Parameters);
        Assert.True(first.IsValid && second.IsValid);
        Assert.Equal(1, _keyLookups);
        Assert.Equal("cust-1", second.ClaimsIdentity.FindFirst("sub")?.Value);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters)).IsValid);
        Assert.Equal(2, _keyLookups);
    }

    [Fact]
    public async Task Issue_18_a_remembered_token_is_not_answered_from_the_cache_past_its_exp()
    {
        var cache = Cache(TimeSpan.FromMinutes(5));
        var token = Token("cust-2", TimeSpan.FromMinutes(2));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters)).IsValid);
        _time.Advance(TimeSpan.FromMinutes(1));
        await cache.ValidateTokenAsync(token, Parameters);
        Assert.Equal(1, _keyLookups);

        // Past exp, though well within the cache time: the handler judges it again (and refuses it, on its clock).
        _time.Advance(TimeSpan.FromMinutes(2));
        await cache.ValidateTokenAsync(token, Parameters);

        Assert.Equal(2, _keyLookups);
    }

    [Fact]
    public async Task Issue_18_an_expired_token_is_refused_through_the_cache()
    {
        var cache = Cache(TimeSpan.FromMinutes(5));
        // Expired two minutes ago by the real clock, beyond the 30 s skew.
        var token = Token("cust-2b", TimeSpan.FromMinutes(-2), issuedBefore: TimeSpan.FromMinutes(10));

        Assert.False((await cache.ValidateTokenAsync(token, Parameters)).IsValid);
        Assert.False((await cache.ValidateTokenAsync(token, Parameters)).IsValid);
    }

    [Fact]
    public async Task Issue_18_a_token_differing_by_one_byte_of_its_signature_is_verified_and_refused()
    {
        var cache = Cache(TimeSpan.FromMinutes(5));
        var token = Token("cust-3", TimeSpan.FromMinutes(60));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters)).IsValid);
        var signature = token[(token.LastIndexOf('.') + 1)..];
        var flipped = token[..(token.LastIndexOf('.') + 1)] + (signature[0] == 'A' ? 'B' : 'A') + signature[1..];

        var forged = await cache.ValidateTokenAsync(flipped, Parameters);

        Assert.False(forged.IsValid);
        Assert.Equal(2, _keyLookups);
    }

    [Fact]
    public async Task Issue_18_a_refusal_is_not_remembered_so_a_rotated_key_is_accepted_on_the_next_call()
    {
        var cache = Cache(TimeSpan.FromMinutes(5));
        var token = Token("cust-4", TimeSpan.FromMinutes(60), kid: "key-2");
        Assert.False((await cache.ValidateTokenAsync(token, Parameters)).IsValid);

        _published.Add(Key("key-2"));

        Assert.True((await cache.ValidateTokenAsync(token, Parameters)).IsValid);
    }

    [Fact]
    public async Task Issue_18_each_call_gets_an_identity_of_its_own()
    {
        var cache = Cache(TimeSpan.FromMinutes(5));
        var token = Token("cust-5", TimeSpan.FromMinutes(60));
        var first = await cache.ValidateTokenAsync(token, Parameters);
        first.ClaimsIdentity.AddClaim(new Claim("role", "ops"));

        var second = await cache.ValidateTokenAsync(token, Parameters);

        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.DoesNotContain(second.ClaimsIdentity.FindAll("role"), claim => claim.Value == "ops");
    }

    [Fact]
    public async Task Issue_18_a_cache_time_of_zero_verifies_every_call_and_a_full_cache_still_answers()
    {
        var off = Cache(TimeSpan.Zero);
        var token = Token("cust-6", TimeSpan.FromMinutes(60));
        Assert.True((await off.ValidateTokenAsync(token, Parameters)).IsValid);
        Assert.True((await off.ValidateTokenAsync(token, Parameters)).IsValid);
        Assert.Equal(2, _keyLookups);

        var small = Cache(TimeSpan.FromMinutes(5), capacity: 2);
        foreach (var subject in new[] { "a", "b", "c", "d" })
        {
            Assert.True((await small.ValidateTokenAsync(Token(subject, TimeSpan.FromMinutes(60)), Parameters)).IsValid);
        }
    }

    public void Dispose() => _rsa.Dispose();
}
