using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Integration;

/// <summary>
/// One external system's address and credentials, bound from Integrations:&lt;System&gt; (named options,
/// one name per <see cref="ExternalSystem"/>). Secrets come from configuration only.
/// </summary>
public sealed class IntegrationOptions
{
    public const string DefaultBaseUrl = "http://127.0.0.1:5090";

    public Uri BaseUrl { get; set; } = new(DefaultBaseUrl);

    public string? ApiKey { get; set; }

    public string? SecretKey { get; set; }

    public string? WebhookSecret { get; set; }

    public string? PreSharedKey { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Mutual TLS (FAC-6): a PKCS#12 client certificate presented on every connection when set.</summary>
    public string? ClientCertificatePath { get; set; }

    public string? ClientCertificatePassword { get; set; }

    /// <summary>
    /// PEM with the CA (or CAs) the system's server certificate must chain to, instead of the machine's
    /// store: a system with a private CA (FAC-6). Validation is never switched off, only re-rooted.
    /// </summary>
    public string? ServerCaPath { get; set; }

    /// <summary>Registration only (REG-2): each country's authority, by ISO code.</summary>
    public Dictionary<string, CountryEndpoint> Countries { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public static string SectionFor(string system) => "Integrations:" + system switch
    {
        ExternalSystem.Customer => "Customer",
        ExternalSystem.Stripe => "Stripe",
        ExternalSystem.Fleet => "Fleet",
        ExternalSystem.Factory => "Factory",
        ExternalSystem.Iot => "Iot",
        ExternalSystem.Vss => "Vss",
        ExternalSystem.Registration => "Registration",
        ExternalSystem.Notifications => "Notifications",
        _ => throw new ArgumentOutOfRangeException(nameof(system), system, "not an external system"),
    };

    /// <summary>SEC-5: the credentials the system's adapter cannot call it without, by setting.</summary>
    public IEnumerable<KeyValuePair<string, string?>> RequiredCredentials(string system)
    {
        var section = SectionFor(system);
        return system switch
        {
            ExternalSystem.Stripe => [new($"{section}:{nameof(SecretKey)}", SecretKey)],
            ExternalSystem.Iot => [new($"{section}:{nameof(PreSharedKey)}", PreSharedKey)],
            ExternalSystem.Vss => [new($"{section}:{nameof(ClientId)}", ClientId), new($"{section}:{nameof(ClientSecret)}", ClientSecret)],
            _ => [new($"{section}:{nameof(ApiKey)}", ApiKey)],
        };
    }

    public string Require(string? value, string name, string system) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"{SectionFor(system)}:{name} is not configured.")
            : value;
}

public sealed class CountryEndpoint
{
    public Uri? BaseUrl { get; set; }
}
