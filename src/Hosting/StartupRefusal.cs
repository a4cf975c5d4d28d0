using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace CaaS.Hosting;

public static class StartupRefusal
{
    /// <summary>
    /// Runs the host; when its settings fail validation at start-up (ValidateOnStart), writes each
    /// failure, naming its setting, and returns 1. An unhandled exception would end the process too,
    /// but by abort, with a stack trace burying the one line an operator needs.
    /// </summary>
    public static async Task<int> RunOrRefuseAsync(this WebApplication app)
    {
        // Read now: a host that failed to start has disposed its services, the environment with them.
        var host = $"{app.Environment.ApplicationName} ({app.Environment.EnvironmentName})";
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception exception) when (Failures(exception) is { Count: > 0 } failures)
        {
            await Console.Error.WriteLineAsync($"{host} refused to start:");
            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync("  " + failure);
            }

            return 1;
        }
    }

    private static List<string> Failures(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        AggregateException several when several.InnerExceptions.All(inner => inner is OptionsValidationException) =>
            [.. several.InnerExceptions.SelectMany(inner => ((OptionsValidationException)inner).Failures)],
        _ => [],
    };
}
