using System.Diagnostics;
using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Integration.Http;

/// <summary>
/// The innermost handler of every external call: one client span per attempt, the OBS-2 trace
/// headers (X-Trace-Id, X-Span-Id; traceparent is added by HttpClient's own propagation), and the
/// OBS-1 measurements.
/// </summary>
public sealed class IntegrationTelemetryHandler(string system, IntegrationMetrics metrics, TimeProvider time) : DelegatingHandler
{
    public const string TraceIdHeader = "X-Trace-Id";
    public const string SpanIdHeader = "X-Span-Id";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Without a listener the source yields no span; the call still needs trace ids, so a bare
        // activity stands in and the outgoing request is still correlatable in the remote's logs.
        using var activity = CaaSDiagnostics.ActivitySource.StartActivity($"{system} {request.Method}", ActivityKind.Client)
            ?? new Activity($"{system} {request.Method}").Start();
        activity.SetTag("caas.system", system);
        request.Headers.Remove(TraceIdHeader);
        request.Headers.Remove(SpanIdHeader);
        request.Headers.TryAddWithoutValidation(TraceIdHeader, activity.TraceId.ToHexString());
        request.Headers.TryAddWithoutValidation(SpanIdHeader, activity.SpanId.ToHexString());

        var started = time.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            metrics.RecordAttempt(system, request.Method.Method, status, timedOut: false, time.GetElapsedTime(started));
            return response;
        }
        catch (Exception exception)
        {
            // The attempt timeout sits outside this handler and cancels the call: a cancellation is a timeout.
            var timedOut = exception is OperationCanceledException;
            activity.SetStatus(ActivityStatusCode.Error, timedOut ? OutcomeClass.Timeout : OutcomeClass.NetworkError);
            metrics.RecordAttempt(system, request.Method.Method, null, timedOut, time.GetElapsedTime(started));
            throw;
        }
    }
}
