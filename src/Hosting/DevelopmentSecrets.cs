using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace CaaS.Hosting;

/// <summary>
/// SEC-5: the secrets config/local.json gives local runs, known only by their SHA-256, so a host can
/// recognise a development value without the file (or the values) shipping with it. Outside
/// Development a secret a host needs must be set and must not be one of these.
/// </summary>
public static class DevelopmentSecrets
{
    /// <summary>
    /// Setting → lower-case hex SHA-256 of its UTF-8 value in config/local.json. A test recomputes them
    /// from the file, so a changed local value cannot slip past.
    /// </summary>
    public static readonly FrozenDictionary<string, string> HashBySetting = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Integrations:Customer:ApiKey"] = "e39838f09b84112601dfe95a74c8429f298cbe2409c5843d7927f8a602ed3921",
        ["Integrations:Stripe:SecretKey"] = "09101488b0b591cef0345603cb2ebda9a43f7bc42acce3c70ca530625330431b",
        ["Integrations:Stripe:WebhookSecret"] = "02006423615f94db5b0370195e3cd0d7f9b584ea41dcd32b082cdfd4d463a505",
        ["Integrations:Fleet:ApiKey"] = "36615d06f46e5017c0727f0369113449f9137c089af40e0aa931c9c070ffde1c",
        ["Integrations:Fleet:WebhookSecret"] = "47972eba625bbe231e73d1bc84a19e3e0b62ee0f500666c1904a851ec1ad3b04",
        ["Integrations:Factory:ApiKey"] = "a0f795b65640e90e81e2dd7bc2906a28427775ab706079a8a5466766949c8483",
        ["Integrations:Factory:WebhookSecret"] = "a01ac8229b3763a5c88f55944c4e44de68e0bee78a6db704091b0846bf2f328c",
        ["Integrations:Iot:PreSharedKey"] = "5c0c0b05acd54d639326f1cb634e53ca0a647f93ad2db14b00a81a40911c7250",
        ["Integrations:Vss:ClientSecret"] = "02de35aec102ea7ed46a65ba4b519c282bb860db20b097c7d624b1c6d272b6f0",
        ["Integrations:Registration:ApiKey"] = "7668f317379ae490e3ab8f3613a7a4faf6c4e2e9815b7c413bd85d4f06c577b5",
        ["Integrations:Notifications:ApiKey"] = "335e6651f66ab116eb9d243e0e85c8b0affdfda53305bf3afa6d2d2cbea550c2",
        // The sandbox issuer's service clients (SEC-6): no host takes them, but a secret that ever
        // was in the repository must not become a real client's.
        ["Sandbox:Identity:Clients:caas-forecaster:Secret"] = "c15f74f02dc318727036ee247b5640945e18e176e0b650fc1d01f992a40fec3d",
        ["Sandbox:Identity:Clients:caas-ops-tool:Secret"] = "da4312ba728b6c0757a07fc0d58429c9462a2617899090f11c5730d2d5681faa",
        ["Analytics:PseudonymKey"] = "fa5259230aeaffb8a940511f10b9f945bd6cb6e50a833b6d1a781f18501b7d65",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    // Any development value is refused in any setting: a local Fleet key pasted as the Stripe key is no safer.
    private static readonly FrozenSet<string> Hashes = HashBySetting.Values.ToFrozenSet(StringComparer.Ordinal);

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public static bool IsDevelopmentValue(string value) => Hashes.Contains(Hash(value));

    /// <summary>Why a secret cannot serve outside Development, naming its setting; null when it can.</summary>
    public static string? Refusal(string setting, string? value) =>
        string.IsNullOrWhiteSpace(value) ? $"{setting} is not set; set it from the secret store."
        : IsDevelopmentValue(value) ? $"{setting} is a development value; set it from the secret store."
        : null;

    /// <summary>
    /// The refusals for the secrets a host needs, by setting; none in Development, where local.json
    /// supplies them. No environment (no host to ask) counts as production.
    /// </summary>
    public static IReadOnlyList<string> Refusals(IHostEnvironment? environment, IEnumerable<KeyValuePair<string, string?>> secrets) =>
        environment?.IsDevelopment() == true
            ? []
            : secrets.Select(secret => Refusal(secret.Key, secret.Value)).OfType<string>().ToList();
}
