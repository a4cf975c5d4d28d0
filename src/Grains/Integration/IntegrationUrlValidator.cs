using CaaS.Grains.Abstractions.Integration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Integration;

/// <summary>
/// Outside Development every external system is reached over https: a plain-http address would carry
/// the platform's API keys, tokens and customers' data in clear across the network. Loopback gets no
/// exception: in a container or pod it is the sidecar's or the node's, not obviously this process's own,
/// and the only plain-http peer the platform has, the sandbox, runs in Development (SEC-5). Without a
/// host (no environment to read) the production rule applies.
/// </summary>
public sealed class IntegrationUrlValidator(IHostEnvironment? environment = null) : IValidateOptions<IntegrationOptions>
{
    public ValidateOptionsResult Validate(string? name, IntegrationOptions options)
    {
        if (name is null || !ExternalSystem.All.Contains(name) || environment?.IsDevelopment() == true)
        {
            return ValidateOptionsResult.Skip;
        }

        var section = IntegrationOptions.SectionFor(name);
        var addresses = options.Countries
            .Where(country => country.Value.BaseUrl is not null)
            .Select(country => ($"{section}:Countries:{country.Key}:BaseUrl", country.Value.BaseUrl!))
            .Prepend(($"{section}:BaseUrl", options.BaseUrl));
        var failures = addresses
            .Where(address => !IsAcceptable(address.Item2))
            .Select(address => $"{address.Item1} is {address.Item2}: outside the Development environment an integration is reached over https " +
                "only. Set an https URL.")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool IsAcceptable(Uri url) => url.IsAbsoluteUri && url.Scheme == Uri.UriSchemeHttps;
}
