using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Duende.IdentityModel.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.Integration.Tests;

/// <summary>
/// SEC-6 over HTTP: the API host takes the sandbox as its OpenID Connect issuer (discovery, JWKS) and
/// accepts only tokens that issuer signed with an asymmetric key, for this API, within their lifetime
/// and under the lifetime cap; an OIDC client library written by others gets a working token from it.
/// </summary>
[Collection(CaaSPlatformCollection.Name)]
public sealed class IssuerTests(CaaSPlatformFixture fixture)
{
    /// <summary>The symmetric key config/local.json gave the sandbox and the API host before SEC-6.</summary>
    private const string RetiredSharedKey = "local-development-signing-key-change-me-0123456789";

    private Platform Platform => fixture.Platform;

    private static string CustomerRoute
    {
        get
        {
            var from = DateTimeOffset.UtcNow.AddDays(2);
            return $"/api/vehicles/available?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(from.AddHours(1).ToString("O"))}";
        }
    }

    private static string AnalyticsRoute => CustomerRoute.Replace("/api/vehicles/available", "/api/bookings/analytics", StringComparison.Ordinal);

    [Fact]
    public async Task SEC_6_the_sandbox_publishes_discovery_and_a_JWKS_of_public_keys_with_kids()
    {
        var discovery = await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/.well-known/openid-configuration"));
        var jwks = await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(discovery.GetProperty("jwks_uri").GetString()!));
        var keys = jwks.GetProperty("keys").EnumerateArray().ToList();

        Assert.Equal(Platform.Sandbox.BaseUrl, discovery.GetProperty("issuer").GetString());
        Assert.Equal(Platform.Sandbox.BaseUrl + "/connect/token", discovery.GetProperty("token_endpoint").GetString());
        Assert.Contains("client_credentials", discovery.GetProperty("grant_types_supported").EnumerateArray().Select(grant => grant.GetString()));
        Assert.Contains(keys, key => key.GetProperty("kty").GetString() == "RSA" && key.GetProperty("alg").GetString() == "RS256");
        Assert.Contains(keys, key => key.GetProperty("kty").GetString() == "EC" && key.GetProperty("alg").GetString() == "ES256");
        Assert.All(keys, key =>
        {
            Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
            Assert.Equal("sig", key.GetProperty("use").GetString());
            // No private member (RSA d, p, q, dp, dq, qi; EC d) ever leaves the issuer.
            Assert.False(key.TryGetProperty("d", out _) || key.TryGetProperty("p", out _) || key.TryGetProperty("q", out _));
        });
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public async Task SEC_6_a_token_the_sandbox_issuer_signs_with_RS256_or_ES256_is_accepted(string algorithm)
    {
        var token = await Platform.TokenAsync("cust-sec6-" + algorithm, "customer", alg: algorithm);
        var header = new JsonWebToken(token);

        using var answer = await Platform.SendAsync(HttpMethod.Get, CustomerRoute, token);

        Assert.Equal(algorithm, header.Alg);
        Assert.Contains(header.Kid, await PublishedKidsAsync());
        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SEC_6_a_token_signed_with_the_retired_shared_HS256_key_is_refused()
    {
        // Everything else right, so only the key and its algorithm can be what the API refuses.
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Platform.Sandbox.BaseUrl,
            Audience = "caas-api",
            Subject = new ClaimsIdentity([new Claim("sub", "cust-hs256"), new Claim("role", "customer")]),
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(RetiredSharedKey)), SecurityAlgorithms.HmacSha256),
        });

        await ExpectRefusedAsync(token, "signature");
    }

    [Fact]
    public async Task SEC_6_an_unsigned_alg_none_token_is_refused()
    {
        // A real token of the sandbox's, re-headed as alg none and stripped of its signature: the classic forgery.
        var genuine = await Platform.TokenAsync("cust-none", "customer");
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var unsigned = $"{header}.{genuine.Split('.')[1]}.";

        await ExpectRefusedAsync(unsigned, "signature");
    }

    [Theory]
    [InlineData("another issuer", """{"issuer":"https://issuer.caas.invalid"}""", "issuer")]
    [InlineData("another audience", """{"audience":"another-api"}""", "audience")]
    [InlineData("no audience", """{"audience":""}""", "audience")]
    [InlineData("expired", """{"expiresInSeconds":-120}""", "expired")]
    // The API's default cap is 90 minutes; the sandbox signs for six hours when asked.
    [InlineData("over the lifetime cap", """{"expiresInSeconds":21600}""", "lifetime")]
    public async Task SEC_6_a_token_the_sandbox_signed_is_refused_for_a_wrong_issuer_audience_or_lifetime(string what, string overrides, string reason)
    {
        var request = System.Text.Json.Nodes.JsonNode.Parse(overrides)!.AsObject();
        request["sub"] = "cust-sec6-wrong";
        request["role"] = "customer";
        using var issued = await Platform.Http.PostAsJsonAsync(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/token"), request);
        Assert.True(issued.IsSuccessStatusCode, $"{what}: {await issued.Content.ReadAsStringAsync()}");
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;

        await ExpectRefusedAsync(token, reason);
    }

    [Fact]
    public async Task SEC_6_after_the_issuer_rotates_its_keys_new_tokens_are_accepted_and_earlier_ones_still_are()
    {
        var before = await Platform.TokenAsync("cust-rotation", "customer");
        using var rotated = await Platform.Http.PostAsync(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/identity/rotate"), null);
        rotated.EnsureSuccessStatusCode();
        var after = await Platform.TokenAsync("cust-rotation", "customer");

        Assert.NotEqual(new JsonWebToken(before).Kid, new JsonWebToken(after).Kid);
        // The API fetches the JWKS again on the first token with a kid it does not know.
        await Eventually.Until(async () =>
        {
            using var answer = await Platform.SendAsync(HttpMethod.Get, CustomerRoute, after);
            return answer.StatusCode == HttpStatusCode.OK;
        }, "a token signed with the rotated key to be accepted", TimeSpan.FromSeconds(30));
        using var earlier = await Platform.SendAsync(HttpMethod.Get, CustomerRoute, before);
        Assert.Equal(HttpStatusCode.OK, earlier.StatusCode);
    }

    [Fact]
    public async Task SEC_6_an_OIDC_client_library_discovers_the_issuer_gets_client_credentials_tokens_and_calls_the_API()
    {
        // Duende.IdentityModel checks the document itself: issuer equal to the authority, endpoints under it, a key set.
        var discovery = await Platform.Http.GetDiscoveryDocumentAsync(Platform.Sandbox.BaseUrl);
        Assert.False(discovery.IsError, discovery.Error);
        Assert.NotEmpty(discovery.KeySet!.Keys);

        var forecaster = await Platform.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = SandboxSecrets.ForecasterClientId,
            ClientSecret = SandboxSecrets.ForecasterClientSecret,
        });
        var opsTool = await Platform.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = SandboxSecrets.OpsToolClientId,
            ClientSecret = SandboxSecrets.OpsToolClientSecret,
            // The secret in the body instead of the Basic header: the other method the discovery document names.
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
        });
        var wrongSecret = await Platform.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = SandboxSecrets.ForecasterClientId,
            ClientSecret = "not-the-secret",
        });
        Assert.False(forecaster.IsError, forecaster.Error);
        Assert.False(opsTool.IsError, opsTool.Error);

        using var analytics = await Platform.SendAsync(HttpMethod.Get, AnalyticsRoute, forecaster.AccessToken);
        using var graphQl = await Platform.SendAsync(HttpMethod.Post, "/graphql", opsTool.AccessToken, new { query = "{ opsAlerts { totalCount } }" });
        using var forecasterOnGraphQl = await Platform.SendAsync(HttpMethod.Post, "/graphql", forecaster.AccessToken, new { query = "{ opsAlerts { totalCount } }" });

        Assert.True(analytics.StatusCode == HttpStatusCode.OK, await analytics.Content.ReadAsStringAsync());
        Assert.True(graphQl.StatusCode == HttpStatusCode.OK, await graphQl.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, forecasterOnGraphQl.StatusCode);
        Assert.Equal(SandboxSecrets.ForecasterClientId, new JsonWebToken(forecaster.AccessToken).Subject);
        // RFC 6749 section 5.2: 401 for a client that authenticated with the Basic header; the library reads that as an HTTP error.
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.HttpStatusCode);
        Assert.Contains("invalid_client", wrongSecret.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public void SEC_6_the_lifetime_cap_counts_from_the_earlier_of_iat_and_nbf_and_refuses_a_token_with_neither()
    {
        static JsonWebToken Unsigned(string payload) =>
            new($"{Base64UrlEncoder.Encode("""{"alg":"none"}""")}.{Base64UrlEncoder.Encode(payload)}.");
        var cap = TimeSpan.FromMinutes(90);

        Assert.Null(CaaS.ApiHost.AuthenticationSetup.LifetimeRefusal(Unsigned("""{"iat":1000,"nbf":1000,"exp":4600}"""), cap));
        // An nbf set late cannot hide an iat of long before.
        Assert.NotNull(CaaS.ApiHost.AuthenticationSetup.LifetimeRefusal(Unsigned("""{"iat":1000,"nbf":90000,"exp":91000}"""), cap));
        Assert.NotNull(CaaS.ApiHost.AuthenticationSetup.LifetimeRefusal(Unsigned("""{"exp":4600}"""), cap));
    }

    private async Task<IReadOnlyList<string>> PublishedKidsAsync()
    {
        var jwks = await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/.well-known/jwks.json"));
        return [.. jwks.GetProperty("keys").EnumerateArray().Select(key => key.GetProperty("kid").GetString()!)];
    }

    /// <param name="reason">A word of the challenge's error_description (RFC 6750), so a token is shown refused for what the test broke, not for something else.</param>
    private async Task ExpectRefusedAsync(string token, string reason)
    {
        using var answer = await Platform.SendAsync(HttpMethod.Get, CustomerRoute, token);
        var text = await answer.Content.ReadAsStringAsync();
        var challenge = answer.Headers.WwwAuthenticate.ToString();

        Assert.True(answer.StatusCode == HttpStatusCode.Unauthorized, $"expected 401, got {(int)answer.StatusCode} {text}");
        Assert.Equal("UNAUTHENTICATED", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
        Assert.Contains("invalid_token", challenge, StringComparison.Ordinal);
        Assert.Contains(reason, challenge, StringComparison.OrdinalIgnoreCase);
    }
}
