using System.Net;
using CaaS.ApiClient;
using CaaS.ApiClient.Models;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;

namespace CaaS.Integration.Tests.Support;

/// <summary>
/// The API host through the client Kiota generated from docs/openapi.json (issue 17 point 2): a route,
/// status or schema the document gets wrong fails the journey that uses it. A problem answer the
/// document declares arrives as <see cref="Problem"/>; one it does not declare arrives as a bare
/// <see cref="ApiException"/>, which <see cref="AnswerAsync{T}"/> lets through, failing the test.
/// </summary>
public sealed class ApiClients : IDisposable
{
    private static readonly AsyncLocal<Seen?> Current = new();

    // Kept beside the platform, not in it: Platform.cs is compiled into the benchmark too, which has no generated client.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Platform, ApiClients> ByPlatform = new();

    private readonly HttpClient _http;
    private readonly string _baseUrl;

    public ApiClients(Platform platform)
    {
        _baseUrl = platform.ApiHost.BaseUrl;
        // Kiota's retry handler would repeat a 503 or 429 behind the test's back: every answer is to be seen as the API gave it.
        var handlers = KiotaClientFactory.CreateDefaultHandlers().Where(handler => handler is not RetryHandler).Append(new SeenHandler()).ToList();
        _http = new HttpClient(KiotaClientFactory.ChainHandlersCollectionAndGetFirstLink(KiotaClientFactory.GetDefaultHttpMessageHandler(), [.. handlers])!)
        {
            // As Platform.Http: above the slowest synchronous answer the contract allows.
            Timeout = TimeSpan.FromSeconds(90),
        };
    }

    /// <summary>The clients of this platform's API host, made on first use.</summary>
    public static ApiClients Of(Platform platform) => ByPlatform.GetValue(platform, created => new ApiClients(created));

    /// <summary>The API as the holder of <paramref name="token"/> calls it; null calls it without one.</summary>
    public CaaSApiClient As(string? token) =>
        new(new HttpClientRequestAdapter(token is null ? new AnonymousAuthenticationProvider() : new Bearer(token), httpClient: _http) { BaseUrl = _baseUrl });

    /// <summary>The call's answer, a success or a declared problem, with the status and Location the host sent.</summary>
    public static async Task<Answer<T>> AnswerAsync<T>(Func<Task<T?>> call) where T : class
    {
        var seen = new Seen();
        Current.Value = seen;
        try
        {
            var value = await call();
            return new Answer<T>((HttpStatusCode)seen.Status, value, null, seen.Location);
        }
        catch (Problem problem)
        {
            return new Answer<T>((HttpStatusCode)problem.ResponseStatusCode, null, problem, null);
        }
    }

    /// <summary>The value of an answer that must be a success.</summary>
    public static T Succeeded<T>(Answer<T> answer) where T : class
    {
        Assert.True(answer.Problem is null, $"{(int)answer.Status} {answer.Problem?.Code}: {answer.Problem?.Detail}");
        return answer.Value!;
    }

    public static void AssertProblem<T>(Answer<T> answer, HttpStatusCode status, string code) where T : class
    {
        Assert.True(answer.Problem is not null, $"expected {(int)status} {code}, got {(int)answer.Status}");
        AssertProblem(answer.Problem!, status, code);
    }

    public static void AssertProblem(Problem problem, HttpStatusCode status, string code)
    {
        Assert.True((problem.ResponseStatusCode, problem.Code) == ((int)status, code),
            $"expected {(int)status} {code}, got {problem.ResponseStatusCode} {problem.Code}: {problem.Detail}");
        Assert.Equal((int)status, problem.Status);
    }

    public void Dispose() => _http.Dispose();

    private sealed class Seen
    {
        public int Status { get; set; }

        public Uri? Location { get; set; }
    }

    /// <summary>Reads the status and Location Kiota's typed answers leave out, for the call <see cref="AnswerAsync{T}"/> is making.</summary>
    private sealed class SeenHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Current.Value is { } seen)
            {
                seen.Status = (int)response.StatusCode;
                seen.Location = response.Headers.Location;
            }

            return response;
        }
    }

    /// <summary>A token the test already holds (Platform.TokenAsync): nothing to fetch or refresh.</summary>
    private sealed class Bearer(string token) : IAuthenticationProvider
    {
        public Task AuthenticateRequestAsync(RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null,
            CancellationToken cancellationToken = default)
        {
            request.Headers.Add("Authorization", $"Bearer {token}");
            return Task.CompletedTask;
        }
    }
}

public sealed record Answer<T>(HttpStatusCode Status, T? Value, Problem? Problem, Uri? Location) where T : class;
