using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Grains.Abstractions.Integration;
using Polly.Timeout;

namespace CaaS.Grains.Integration.Http;

/// <summary>
/// Sends a request through a system's pipeline and turns every way it can fail into the platform's
/// small error hierarchy (<see cref="IntegrationException"/>). Adapters read bodies only from a success.
/// </summary>
public static class ExternalCall
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string system, HttpRequestMessage request,
        CancellationToken cancellationToken = default)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (Translate(system, exception) is { } translated)
        {
            throw translated;
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await TranslateAsync(system, response, cancellationToken);
        }
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, string system, CancellationToken cancellationToken = default)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new JsonException("empty body");
        }
        catch (JsonException exception)
        {
            throw new DependencyUnavailableException(system, $"{system} answered with a body that breaks its contract: {exception.Message}");
        }
    }

    /// <summary>The platform's exception for a failure with no answer, or null when it is not one of ours to map.</summary>
    public static IntegrationException? Translate(string system, Exception exception) => exception switch
    {
        IntegrationException integration => integration,
        CircuitOpenException => new DependencyUnavailableException(system, $"{system} is unavailable: its circuit breaker is open", circuitOpen: true),
        TimeoutRejectedException => new DependencyTimeoutException(system, ResilienceMatrix.For(system).AttemptTimeout),
        HttpRequestException http => new DependencyUnavailableException(system, $"{system} could not be reached: {http.Message}"),
        _ => null,
    };

    public static async Task<IntegrationException> TranslateAsync(string system, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (Failures.IsSystemFailure(response.StatusCode))
        {
            return new DependencyUnavailableException(system, $"{system} answered {status}");
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new DependencyRejectedException(system, status, DependencyRejectedException.CredentialsRefused,
                $"{system} refused the platform's credentials ({status}); check {IntegrationOptions.SectionFor(system)}");
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new DependencyRejectedException(system, status, ReasonFrom(body) ?? $"http_{status}", $"{system} rejected the request ({status}): {Truncate(body)}");
    }

    private static string? ReasonFrom(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var name in new[] { "code", "error" })
            {
                if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
