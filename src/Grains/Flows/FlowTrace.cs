using System.Diagnostics;
using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Flows;

/// <summary>
/// OBS-2 past the request: a flow keeps the traceparent of the request that started it, and each
/// step a timer or reminder takes later is a span of that same trace, a child of the request's span
/// (not a link: the contract promises the purchase's trace id on every attempt). Whatever span was
/// current when the step woke (an Orleans reminder call of its own trace) is linked instead.
/// </summary>
public static class FlowTrace
{
    /// <summary>The current span's W3C id, to store with a flow when it starts.</summary>
    public static string? Capture() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// A span for one step of a flow under <paramref name="traceParent"/>; dispose it when the step
    /// ends. Without a listener the span is still made, so the integration calls it leads to send
    /// the flow's trace id (X-Trace-Id, traceparent) all the same.
    /// </summary>
    public static Activity? Continue(string name, string? traceParent)
    {
        if (traceParent is null || !ActivityContext.TryParse(traceParent, null, isRemote: false, out var parent))
        {
            return CaaSDiagnostics.ActivitySource.StartActivity(name);
        }

        var woke = Activity.Current;
        var links = woke is null || woke.TraceId == parent.TraceId ? null : new[] { new ActivityLink(woke.Context) };
        return CaaSDiagnostics.ActivitySource.StartActivity(name, ActivityKind.Internal, parent, links: links)
            ?? new Activity(name).SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags).Start();
    }
}
