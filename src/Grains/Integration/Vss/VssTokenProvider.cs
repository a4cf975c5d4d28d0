using System.Net.Http.Json;
using System.Text.Json.Serialization;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Integration.Vss;

/// <summary>
/// VSS-3: one OAuth 2.0 client-credentials token per silo, reused by every call and refreshed before
/// it expires (a margin of a fifth of its lifetime, at most a minute), so no call waits on a token
/// that is about to die.
/// </summary>
public sealed class VssTokenProvider(IHttpClientFactory httpClients, IOptionsMonitor<IntegrationOptions> options, TimeProvider time)
{
    public const string TokenClient = "vss-token";

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Token? _current;

    public async Task<string> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_current is { } token && !token.NeedsRefresh(time.GetUtcNow()))
        {
            return token.Value;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } fresh && !fresh.NeedsRefresh(time.GetUtcNow()))
            {
                return fresh.Value;
            }

            _current = await RequestAsync(cancellationToken);
            return _current.Value;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>VSS refused the token (it was revoked or the clocks disagree): fetch a new one next time.</summary>
    public void Invalidate(string rejected)
    {
        if (_current?.Value == rejected)
        {
            _current = null;
        }
    }

    private async Task<Token> RequestAsync(CancellationToken cancellationToken)
    {
        var settings = options.Get(ExternalSystem.Vss);
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = settings.Require(settings.ClientId, nameof(settings.ClientId), ExternalSystem.Vss),
                ["client_secret"] = settings.Require(settings.ClientSecret, nameof(settings.ClientSecret), ExternalSystem.Vss),
            }),
        };
        using var response = await ExternalCall.SendAsync(httpClients.CreateClient(TokenClient), ExternalSystem.Vss, request, cancellationToken);
        var wire = await response.Content.ReadFromJsonAsync<TokenWire>(cancellationToken)
            ?? throw new DependencyUnavailableException(ExternalSystem.Vss, "empty token answer");
        var lifetime = TimeSpan.FromSeconds(wire.ExpiresIn);
        var margin = TimeSpan.FromTicks(Math.Min(lifetime.Ticks / 5, TimeSpan.FromMinutes(1).Ticks));
        return new Token(wire.AccessToken, time.GetUtcNow() + lifetime - margin);
    }

    private sealed record Token(string Value, DateTimeOffset RefreshAt)
    {
        public bool NeedsRefresh(DateTimeOffset now) => now >= RefreshAt;
    }

    private sealed record TokenWire(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("token_type")] string TokenType,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}

/// <summary>Puts the current token on every VSS attempt; on a 401 it fetches a new one and tries once more.</summary>
public sealed class VssBearerHandler(VssTokenProvider tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(cancellationToken);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        tokens.Invalidate(token);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await tokens.GetAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
