namespace CaaS.Sandbox.Control;

public sealed class RecordedRequest
{
    public required string System { get; init; }

    public required string Method { get; init; }

    public required string Path { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>0 while the request is still held (a timeout fault); the answer's status afterwards.</summary>
    public int Status { get; set; }

    public required IReadOnlyDictionary<string, string?> Headers { get; init; }
}

/// <summary>
/// What the sandbox received, oldest first, so resilience tests count attempts where they land. Bounded:
/// a benchmark polling a large fleet must not grow it without end.
/// </summary>
public sealed class RequestLog
{
    public const int Capacity = 20_000;

    public static readonly string[] RecordedHeaders = ["idempotency-key", "x-trace-id", "x-span-id", "traceparent"];

    private readonly LinkedList<RecordedRequest> _requests = new();
    private readonly Lock _gate = new();

    public RecordedRequest Record(SystemCall call, HttpRequest request, DateTimeOffset now)
    {
        var recorded = new RecordedRequest
        {
            System = call.System,
            Method = request.Method,
            Path = request.Path.Value ?? "",
            ReceivedAt = now,
            Headers = RecordedHeaders.ToDictionary(name => name, name => request.Headers.TryGetValue(name, out var value) ? (string?)value.ToString() : null),
        };
        lock (_gate)
        {
            _requests.AddLast(recorded);
            if (_requests.Count > Capacity)
            {
                _requests.RemoveFirst();
            }
        }

        return recorded;
    }

    public IReadOnlyList<RecordedRequest> For(string? system)
    {
        lock (_gate)
        {
            return [.. _requests.Where(request => system is null || request.System == system)];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }
}
