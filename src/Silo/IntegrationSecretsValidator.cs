using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using CaaS.Hosting;
using Microsoft.Extensions.Options;

namespace CaaS.Silo;

/// <summary>
/// SEC-5: outside Development a silo does not start with an integration credential that is missing or
/// is one of config/local.json's, so the first sign of a forgotten secret is the start-up, not a
/// refused call to Stripe hours later. Runs with the other IntegrationOptions validators (ValidateOnStart).
/// </summary>
public sealed class IntegrationSecretsValidator(IHostEnvironment environment) : IValidateOptions<IntegrationOptions>
{
    public ValidateOptionsResult Validate(string? name, IntegrationOptions options)
    {
        if (name is null || !ExternalSystem.All.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var refusals = DevelopmentSecrets.Refusals(environment, options.RequiredCredentials(name));
        return refusals.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(refusals);
    }
}

/// <summary>SEC-5 and SEC-7: outside Development the analytics pseudonyms are never keyed with config/local.json's key.</summary>
public sealed class PseudonymKeyValidator(IHostEnvironment environment) : IValidateOptions<Grains.Analytics.AnalyticsOptions>
{
    public ValidateOptionsResult Validate(string? name, Grains.Analytics.AnalyticsOptions options)
    {
        var refusals = DevelopmentSecrets.Refusals(environment, [new("Analytics:PseudonymKey", options.PseudonymKey)]);
        return refusals.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(refusals);
    }
}
