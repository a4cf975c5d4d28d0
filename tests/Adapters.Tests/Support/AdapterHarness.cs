using System.Collections.Concurrent;
using CaaS.Grains.Integration;
using CaaS.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Time.Testing;

namespace CaaS.Adapters.Tests.Support;

/// <summary>
/// The production integration wiring (AddCaaSIntegrations) pointed at the sandbox, with a clock the
/// test moves. A recording handler, innermost in every pipeline, notes the clock at each attempt so
/// tests can check the spacing of retries without waiting for it.
/// </summary>
public sealed class AdapterHarness : IAsyncDisposable
{
    /// <summary>SEC-5: the harness is a local run, so config/local.json's credentials (the sandbox's) load.</summary>
    private static readonly IHostEnvironment LocalRun = new HostingEnvironment { EnvironmentName = Environments.Development };

    private readonly ServiceProvider _services;

    public AdapterHarness(SandboxFixture sandbox, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>();
        foreach (var system in CaaS.Grains.Abstractions.Integration.ExternalSystem.All)
        {
            values[IntegrationOptions.SectionFor(system) + ":BaseUrl"] = sandbox.BaseUrl;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddCaaSLocalDefaults(LocalRun).AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        // The sandbox answers on plain http, which only a local run may call (the https rule skips Development).
        services.AddSingleton(LocalRun);
        services.AddSingleton<TimeProvider>(Time);
        services.AddLogging();
        services.AddCaaSIntegrations();
        services.AddSingleton(Attempts);
        foreach (var client in CaaS.Grains.Abstractions.Integration.ExternalSystem.All.Append(CaaS.Grains.Integration.Vss.VssTokenProvider.TokenClient))
        {
            // Added after the production handlers, so it sits innermost and sees every attempt.
            services.AddHttpClient(client).AddHttpMessageHandler(provider => new RecordingHandler(provider.GetRequiredService<AttemptLog>(), Time));
        }
        _services = services.BuildServiceProvider();
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public AttemptLog Attempts { get; } = new();

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>
    /// Moves the fake clock in small steps until the call ends, letting real I/O settle between steps,
    /// so timeouts and backoffs happen in fake time while requests travel for real.
    /// </summary>
    public async Task DriveAsync(Task call, TimeSpan? limit = null)
    {
        var step = TimeSpan.FromMilliseconds(250);
        var budget = limit ?? TimeSpan.FromMinutes(5);
        var ended = Attempts.EndedCount;
        for (var advanced = TimeSpan.Zero; !call.IsCompleted && advanced < budget; advanced += step)
        {
            await Attempts.QuiesceAsync(TimeSpan.FromMilliseconds(20));
            if (Attempts.EndedCount != ended)
            {
                // An attempt just ended: its retry, if any, is on its way at the same instant of the
                // clock. Moving time before it leaves would record it late on a busy machine.
                ended = Attempts.EndedCount;
                await Attempts.NextStartedAsync(call, TimeSpan.FromSeconds(2));
            }

            Time.Advance(step);
        }

        await call.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task<T> DriveAsync<T>(Task<T> call, TimeSpan? limit = null)
    {
        await DriveAsync((Task)call, limit);
        return await call;
    }

    /// <summary>Drives a call expected to fail and returns its exception.</summary>
    public async Task<TException> DriveToFailureAsync<TException>(Task call, TimeSpan? limit = null) where TException : Exception =>
        await Assert.ThrowsAsync<TException>(() => DriveAsync(call, limit));

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

public sealed record Attempt(DateTimeOffset At, string Method, string Path, string? IdempotencyKey);

public sealed class AttemptLog
{
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private int _inFlight;
    private int _ended;

    public IReadOnlyList<Attempt> All => _attempts.ToArray();

    public IReadOnlyList<Attempt> To(string pathFragment) =>
        _attempts.Where(attempt => attempt.Path.Contains(pathFragment, StringComparison.Ordinal)).ToArray();

    public void Started(Attempt attempt)
    {
        _attempts.Enqueue(attempt);
        Interlocked.Increment(ref _inFlight);
    }

    public void Ended()
    {
        Interlocked.Increment(ref _ended);
        Interlocked.Decrement(ref _inFlight);
    }

    public int EndedCount => Volatile.Read(ref _ended);

    /// <summary>Waits until another attempt starts, the call ends, or the budget is spent (no retry follows).</summary>
    public async Task NextStartedAsync(Task call, TimeSpan budget)
    {
        var started = _attempts.Count;
        var deadline = DateTime.UtcNow + budget;
        while (_attempts.Count == started && Volatile.Read(ref _inFlight) == 0 && !call.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2);
        }
    }

    /// <summary>Waits until no request is in flight, or the budget is spent (a held request stays in flight).</summary>
    public async Task QuiesceAsync(TimeSpan budget)
    {
        var deadline = DateTime.UtcNow + budget;
        while (Volatile.Read(ref _inFlight) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2);
        }

        await Task.Yield();
    }
}

public sealed class RecordingHandler(AttemptLog log, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        log.Started(new Attempt(time.GetUtcNow(), request.Method.Method, request.RequestUri!.AbsolutePath,
            request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.First() : null));
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            log.Ended();
        }
    }
}
