using System.Diagnostics;

namespace CaaS.Bench;

/// <summary>What one measured phase did: how many operations succeeded and failed, over how long, and each one's latency.</summary>
public sealed class Measurement(long operations, long errors, TimeSpan elapsed, double[] latenciesMs, string? firstError)
{
    private readonly double[] _sorted = [.. latenciesMs.Order()];

    public long Operations { get; } = operations;

    public long Errors { get; } = errors;

    public TimeSpan Elapsed { get; } = elapsed;

    public string? FirstError { get; } = firstError;

    public double PerSecond => Operations / Elapsed.TotalSeconds;

    public Latency Latency => new(Percentile(0.50), Percentile(0.95), Percentile(0.99), _sorted.Length == 0 ? 0 : _sorted[^1]);

    /// <summary>Nearest rank: the smallest latency at least this share of the operations did not exceed.</summary>
    public double Percentile(double share) => Percentiles.Of(_sorted, share);
}

public sealed record Latency(double P50Ms, double P95Ms, double P99Ms, double MaxMs);

public static class Percentiles
{
    public static double Of(IReadOnlyList<double> sorted, double share) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>
/// The two ways the runner loads the platform, both with a fixed bound on work in flight: two cores
/// starve easily, and an unbounded generator would measure its own queueing instead of the product.
/// An operation that throws failed; its message says why (the first one is kept for the report).
/// </summary>
public static class Load
{
    /// <summary>Closed loop: each worker starts its next operation when the last one answered. Finds the most the platform sustains.</summary>
    public static Task<Measurement> ClosedAsync(int workers, TimeSpan duration, Func<long, Task> operation) =>
        ClosedAsync(workers, duration, (_, index) => operation(index));

    /// <param name="operation">takes the worker's number (0 to workers - 1) and the operation's (counting from 0 over all workers).</param>
    public static async Task<Measurement> ClosedAsync(int workers, TimeSpan duration, Func<int, long, Task> operation)
    {
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        long next = -1;

        async Task WorkAsync(int worker)
        {
            await Task.Yield();
            var latencies = new List<double>();
            while (clock.Elapsed < duration)
            {
                var index = Interlocked.Increment(ref next);
                var started = Stopwatch.GetTimestamp();
                await tally.RunAsync(() => operation(worker, index), started, latencies);
            }

            tally.Add(latencies);
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(WorkAsync));
        return tally.Result(clock.Elapsed);
    }

    /// <summary>
    /// Open loop: operations start on a fixed schedule whatever the answers do, and each latency counts
    /// from when its operation was due, so a stall shows in the percentiles instead of slowing the
    /// schedule down. An operation due while <paramref name="maxInFlight"/> are still out is not sent
    /// and counts as a failure (the platform could not keep up).
    /// </summary>
    public static async Task<Measurement> PacedAsync(double perSecond, int maxInFlight, TimeSpan duration, Func<long, Task> operation)
    {
        var tally = new Tally();
        var latencies = new List<double>();
        var running = new List<Task>();
        var clock = Stopwatch.StartNew();
        var origin = Stopwatch.GetTimestamp();
        var inFlight = 0;
        long sent = 0;
        while (clock.Elapsed < duration)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * perSecond);
            for (; sent < due; sent++)
            {
                if (Volatile.Read(ref inFlight) >= maxInFlight)
                {
                    tally.Fail($"more than {maxInFlight} operations in flight: not sent");
                    continue;
                }

                var scheduled = origin + (long)(sent / perSecond * Stopwatch.Frequency);
                Interlocked.Increment(ref inFlight);
                var index = sent;
                running.Add(Task.Run(async () =>
                {
                    var own = new List<double>(1);
                    await tally.RunAsync(() => operation(index), scheduled, own);
                    Interlocked.Decrement(ref inFlight);
                    lock (latencies)
                    {
                        latencies.AddRange(own);
                    }
                }));
            }

            await Task.Delay(1);
        }

        await Task.WhenAll(running);
        tally.Add(latencies);
        return tally.Result(clock.Elapsed);
    }

    /// <summary>Runs <paramref name="operation"/> for <paramref name="count"/> items, at most <paramref name="concurrency"/> at once: set-up work, not measured.</summary>
    public static async Task ForEachAsync(long count, int concurrency, Func<long, Task> operation)
    {
        long next = -1;

        async Task WorkAsync()
        {
            await Task.Yield();
            for (var index = Interlocked.Increment(ref next); index < count; index = Interlocked.Increment(ref next))
            {
                await operation(index);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, (int)Math.Min(concurrency, Math.Max(count, 1))).Select(_ => WorkAsync()));
    }

    private sealed class Tally
    {
        private readonly List<double> _latencies = [];
        private long _operations;
        private long _errors;
        private string? _firstError;

        public async Task RunAsync(Func<Task> operation, long startedTimestamp, List<double> latencies)
        {
            try
            {
                await operation();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Fail(exception.GetType().Name + ": " + exception.Message);
                return;
            }

            latencies.Add(Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds);
            Interlocked.Increment(ref _operations);
        }

        public void Fail(string why)
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, why, null);
        }

        public void Add(List<double> latencies)
        {
            lock (_latencies)
            {
                _latencies.AddRange(latencies);
            }
        }

        public Measurement Result(TimeSpan elapsed) => new(_operations, _errors, elapsed, [.. _latencies], _firstError);
    }
}
