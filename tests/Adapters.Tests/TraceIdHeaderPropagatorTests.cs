using System.Diagnostics;
using CaaS.Hosting;

namespace CaaS.Adapters.Tests;

/// <summary>OBS-2 at the edge: which incoming header a request's trace comes from.</summary>
public sealed class TraceIdHeaderPropagatorTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string OtherTraceId = "0af7651916cd43dd8448eb211c80319c";

    private static readonly TraceIdHeaderPropagator Propagator = new(DistributedContextPropagator.CreateDefaultPropagator());

    [Fact]
    public void X_Trace_Id_alone_starts_the_request_in_that_trace()
    {
        var context = Extract(new() { ["X-Trace-Id"] = TraceId.ToUpperInvariant() });

        Assert.Equal(TraceId, context.TraceId.ToHexString());
        Assert.True(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded));
    }

    [Fact]
    public void X_Span_Id_with_it_is_the_parent_span()
    {
        var context = Extract(new() { ["X-Trace-Id"] = TraceId, ["X-Span-Id"] = "00f067aa0ba902b7" });

        Assert.Equal((TraceId, "00f067aa0ba902b7"), (context.TraceId.ToHexString(), context.SpanId.ToHexString()));
    }

    [Fact]
    public void A_valid_traceparent_wins_over_X_Trace_Id()
    {
        var context = Extract(new() { ["traceparent"] = $"00-{OtherTraceId}-b7ad6b7169203331-01", ["X-Trace-Id"] = TraceId });

        Assert.Equal(OtherTraceId, context.TraceId.ToHexString());
    }

    [Fact]
    public void A_malformed_traceparent_leaves_X_Trace_Id_to_decide()
    {
        var context = Extract(new() { ["traceparent"] = "not-a-traceparent", ["X-Trace-Id"] = TraceId });

        Assert.Equal(TraceId, context.TraceId.ToHexString());
    }

    [Theory]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736a")]
    [InlineData("zzf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("00000000000000000000000000000000")]
    public void An_X_Trace_Id_that_is_not_32_hex_digits_is_ignored(string value)
    {
        Propagator.ExtractTraceIdAndState(new Dictionary<string, string> { ["X-Trace-Id"] = value }, Getter, out var traceParent, out _);

        Assert.Null(traceParent);
    }

    private static ActivityContext Extract(Dictionary<string, string> headers)
    {
        Propagator.ExtractTraceIdAndState(headers, Getter, out var traceParent, out var traceState);
        Assert.True(ActivityContext.TryParse(traceParent, traceState, out var context), traceParent);
        return context;
    }

    private static void Getter(object? carrier, string name, out string? value, out IEnumerable<string>? values)
    {
        values = null;
        var headers = (Dictionary<string, string>)carrier!;
        value = headers.FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
    }
}
