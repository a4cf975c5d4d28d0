using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CaaS.Grains.Flows;

/// <summary>
/// What a silo makes sure of at start-up that another silo may have to answer for: registering the
/// reminders that keep the platform's standing work running (pollers, readers of the event log, the
/// nightly export). The grain asked may sit on a silo that just died and is not yet declared dead, so
/// the call can time out; that must not stop this silo from starting (it would only restart into the
/// same wait), so it is tried again in the background until it succeeds or the silo stops.
/// </summary>
public static partial class StandingStartup
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static ISiloBuilder AddStandingStartupTask(this ISiloBuilder silo, string what, Func<IServiceProvider, Task> ensure) =>
        silo.AddStartupTask((services, cancellationToken) =>
        {
            var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var time = services.GetRequiredService<TimeProvider>();
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StandingStartup));
            _ = Task.Run(async () =>
            {
                while (!stopping.IsCancellationRequested)
                {
                    try
                    {
                        await ensure(services);
                        return;
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException || !stopping.IsCancellationRequested)
                    {
                        LogRetrying(logger, exception, what, RetryAfter);
                        try
                        {
                            await Task.Delay(RetryAfter, time, stopping);
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }
                    }
                }
            }, CancellationToken.None);
            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up: {What} is not ensured yet; trying again in {RetryAfter}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string what, TimeSpan retryAfter);
}
