using System.Diagnostics;
using CaaS.Grains.Abstractions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CaaS.ApiHost;

/// <summary>
/// Every error leaves as RFC 9457 problem details with a stable <c>code</c>. Endpoints return
/// <see cref="For"/>; grains throw <see cref="DomainException"/>; the framework's own 401/403/404
/// pass through <see cref="AddCaaSProblems"/> so they carry a code too.
/// </summary>
public static class Problems
{
    public const string InternalError = "INTERNAL_ERROR";

    private static readonly Dictionary<string, int> StatusByCode = new()
    {
        [ErrorCodes.ValidationFailed] = StatusCodes.Status400BadRequest,
        [ErrorCodes.Unauthenticated] = StatusCodes.Status401Unauthorized,
        [ErrorCodes.PaymentDeclined] = StatusCodes.Status402PaymentRequired,
        [ErrorCodes.Forbidden] = StatusCodes.Status403Forbidden,
        [ErrorCodes.NotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.VehicleUnavailable] = StatusCodes.Status409Conflict,
        [ErrorCodes.InvalidState] = StatusCodes.Status409Conflict,
        [ErrorCodes.CustomerNotEligible] = StatusCodes.Status422UnprocessableEntity,
        [ErrorCodes.MaintenanceRequired] = StatusCodes.Status422UnprocessableEntity,
        [ErrorCodes.IdempotencyKeyReused] = StatusCodes.Status422UnprocessableEntity,
        [ErrorCodes.RateLimited] = StatusCodes.Status429TooManyRequests,
        [ErrorCodes.CustomerVerificationUnavailable] = StatusCodes.Status503ServiceUnavailable,
        [ErrorCodes.DependencyUnavailable] = StatusCodes.Status503ServiceUnavailable,
    };

    private static readonly Dictionary<int, string> CodeByStatus = new()
    {
        [StatusCodes.Status400BadRequest] = ErrorCodes.ValidationFailed,
        [StatusCodes.Status401Unauthorized] = ErrorCodes.Unauthenticated,
        [StatusCodes.Status403Forbidden] = ErrorCodes.Forbidden,
        [StatusCodes.Status404NotFound] = ErrorCodes.NotFound,
        [StatusCodes.Status405MethodNotAllowed] = ErrorCodes.NotFound,
        [StatusCodes.Status413PayloadTooLarge] = ErrorCodes.ValidationFailed,
        [StatusCodes.Status415UnsupportedMediaType] = ErrorCodes.ValidationFailed,
        [StatusCodes.Status429TooManyRequests] = ErrorCodes.RateLimited,
    };

    public static int StatusFor(string code) => StatusByCode.GetValueOrDefault(code, StatusCodes.Status500InternalServerError);

    public static ProblemHttpResult For(string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(detail: detail, statusCode: StatusFor(code), extensions: all);
    }

    /// <summary>
    /// 429 RATE_LIMITED, with Retry-After (whole seconds, rounded up) when the limiter knows when a permit frees,
    /// so a well-behaved client waits instead of hammering.
    /// </summary>
    public static IResult RateLimited(TimeSpan? retryAfter, string detail) => new RateLimitedResult(For(ErrorCodes.RateLimited, detail), retryAfter);

    /// <summary>Retry-After in whole seconds, rounded up and at least 1 (RFC 9110 has no fractions).</summary>
    public static void SetRetryAfter(HttpContext httpContext, TimeSpan wait) =>
        httpContext.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static ProblemHttpResult NotFound(string what) => For(ErrorCodes.NotFound, $"{what} was not found.");

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        For(ErrorCodes.ValidationFailed, "The request is not valid.", new Dictionary<string, object?> { ["errors"] = errors });

    public static IServiceCollection AddCaaSProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (!problem.Extensions.ContainsKey("code"))
            {
                problem.Extensions["code"] = CodeByStatus.GetValueOrDefault(problem.Status ?? 500, InternalError);
            }

            // Set, not added: ASP.NET Core has already put the whole W3C id (version, trace, span, flags)
            // there, and OBS-2 promises the 32-hex trace id a caller sent in X-Trace-Id or traceparent.
            problem.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<DomainExceptionHandler>();
        return services;
    }
}

internal sealed class RateLimitedResult(ProblemHttpResult problem, TimeSpan? retryAfter) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (retryAfter is { } wait)
        {
            Problems.SetRetryAfter(httpContext, wait);
        }

        return problem.ExecuteAsync(httpContext);
    }
}

/// <summary>Turns a rule a grain enforced, or a body the framework could not read, into its problem answer.</summary>
internal sealed class DomainExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (code, detail, retryAfter) = exception switch
        {
            // IOT-9: an unlock refused while API IoT cannot take it says when asking again may succeed.
            DomainException domain => (domain.Code, domain.Message, domain.RetryAfter),
            BadHttpRequestException bad => (ErrorCodes.ValidationFailed, bad.Message, null),
            // Issue 18 point 4: a call that met a silo which died (its answer will never come, or the cluster
            // refused it while it noticed) is the cluster being briefly unavailable, not an internal error.
            TimeoutException or SiloUnavailableException or OrleansMessageRejectionException => (ErrorCodes.DependencyUnavailable,
                "Part of the platform did not answer in time, as when a server has just failed; a read can be repeated at once, "
                + "a write with the same Idempotency-Key (it may already have taken effect).", TimeSpan.FromSeconds(1)),
            _ => ((string?)null, (string?)null, (TimeSpan?)null),
        };
        if (code is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = exception is BadHttpRequestException bad2 && bad2.StatusCode != 400
            ? bad2.StatusCode
            : Problems.StatusFor(code);
        if (retryAfter is { } wait)
        {
            Problems.SetRetryAfter(httpContext, wait);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = httpContext.Response.StatusCode, Detail = detail, Extensions = { ["code"] = code } },
        });
    }
}
