using System.Security.Cryptography;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests.Support;

/// <summary>
/// Everything FAC-6's tests need on disk: the Factory's CA and certificates, a second CA the Factory
/// does not trust with a client certificate of its own, and the sandbox settings that turn mTLS on.
/// </summary>
public sealed class FactoryTlsMaterial : IDisposable
{
    public FactoryTlsMaterial()
    {
        Directory.CreateDirectory(Folder);
        using var factoryCa = new PrivateCa("CaaS test Factory CA");
        using var otherCa = new PrivateCa("CaaS test other CA");
        using var server = factoryCa.IssueServer("factory.sandbox");
        using var client = factoryCa.IssueClient("caas-platform");
        using var stranger = otherCa.IssueClient("caas-platform");
        CaPath = factoryCa.WritePem(Folder, "factory-ca.pem");
        OtherCaPath = otherCa.WritePem(Folder, "other-ca.pem");
        ServerPath = PrivateCa.WritePkcs12(server, Folder, "factory-server.p12", Password);
        ClientPath = PrivateCa.WritePkcs12(client, Folder, "platform-client.p12", Password);
        StrangerPath = PrivateCa.WritePkcs12(stranger, Folder, "stranger-client.p12", Password);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "caas-fac6-" + Guid.NewGuid().ToString("N")[..12]);

    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    public string HttpsUrl { get; } = $"https://127.0.0.1:{CaaS.TestSupport.Repository.FreePort()}";

    public string CaPath { get; }

    public string OtherCaPath { get; }

    public string ServerPath { get; }

    public string ClientPath { get; }

    public string StrangerPath { get; }

    public IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
    {
        ["Sandbox__Factory__Tls__Url"] = HttpsUrl,
        ["Sandbox__Factory__Tls__ServerCertificatePath"] = ServerPath,
        ["Sandbox__Factory__Tls__ServerCertificatePassword"] = Password,
        ["Sandbox__Factory__Tls__ClientCaPath"] = CaPath,
        ["Sandbox__Factory__Tls__RequireClientCertificate"] = "true",
    };

    /// <summary>The platform's Factory settings: https, its client certificate (when given) and the CA it trusts for the server.</summary>
    public Dictionary<string, string?> PlatformSettings(string? clientCertificatePath, string? serverCaPath) => new()
    {
        ["Integrations:Factory:BaseUrl"] = HttpsUrl,
        ["Integrations:Factory:ClientCertificatePath"] = clientCertificatePath,
        ["Integrations:Factory:ClientCertificatePassword"] = clientCertificatePath is null ? null : Password,
        ["Integrations:Factory:ServerCaPath"] = serverCaPath,
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind holds only test keys that expire within a day.
        }
    }
}
