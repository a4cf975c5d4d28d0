using System.Diagnostics;

namespace CaaS.Hosting;

/// <summary>
/// OBS-2 at the edge: a caller that sends <c>X-Trace-Id</c> (32 hex characters) and no usable W3C
/// <c>traceparent</c> has its request join that trace, as a child of <c>X-Span-Id</c> when that is
/// 16 hex characters (else of a span id made up here, since W3C needs one). A valid
/// <c>traceparent</c> always wins. Outgoing calls are left to the inner propagator: the integration
/// handler writes the X- headers itself.
/// </summary>
public sealed class TraceIdHeaderPropagator(DistributedContextPropagator inner) : DistributedContextPropagator
{
    public const string TraceIdHeader = "X-Trace-Id";
    public const string SpanIdHeader = "X-Span-Id";

    private const string TraceParentHeader = "traceparent";

    public override IReadOnlyCollection<string> Fields { get; } = [.. inner.Fields, TraceIdHeader, SpanIdHeader];

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) => inner.Inject(activity, carrier, setter);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        inner.ExtractBaggage(carrier, getter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);
        if (getter is null || IsUsableTraceParent(carrier, getter, traceId, traceState))
        {
            return;
        }

        getter(carrier, TraceIdHeader, out var headerTraceId, out _);
        if (headerTraceId is null || !IsHex(headerTraceId, 32) || headerTraceId.All(digit => digit == '0'))
        {
            return;
        }

        getter(carrier, SpanIdHeader, out var headerSpanId, out _);
        var parentSpan = headerSpanId is not null && IsHex(headerSpanId, 16) && headerSpanId.Any(digit => digit != '0')
            ? headerSpanId.ToLowerInvariant()
            : ActivitySpanId.CreateRandom().ToHexString();
        // Sampled: a caller that names its trace wants to find it.
        traceId = $"00-{headerTraceId.ToLowerInvariant()}-{parentSpan}-01";
        traceState = null;
    }

    /// <summary>A traceparent the request sent and that parses; Request-Id (the pre-W3C header) counts as well.</summary>
    private static bool IsUsableTraceParent(object? carrier, PropagatorGetterCallback getter, string? traceId, string? traceState)
    {
        if (traceId is null)
        {
            return false;
        }

        getter(carrier, TraceParentHeader, out var traceParent, out _);
        return traceParent is null || ActivityContext.TryParse(traceId, traceState, out _);
    }

    public static bool IsHex(string? value, int length) =>
        value is not null && value.Length == length && value.All(char.IsAsciiHexDigit);
}
