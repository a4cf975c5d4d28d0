using System.Net;
using Polly.Timeout;

namespace CaaS.Grains.Integration.Http;

/// <summary>What counts as the system failing (as opposed to the system saying no).</summary>
public static class Failures
{
    /// <summary>5xx, 408 and 429: the system is unwell or overloaded. A 4xx business answer is not a failure.</summary>
    public static bool IsSystemFailure(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>No answer at all: the connection failed or the attempt timed out.</summary>
    public static bool IsNetworkError(Exception? exception) =>
        exception is HttpRequestException or TimeoutRejectedException;
}
