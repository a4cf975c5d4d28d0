using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CaaS.Adapters.Tests.Support;

/// <summary>
/// A certificate authority made for one test run, in memory: no openssl, no key ever committed. It
/// issues the Factory's server certificate and the platform's client certificate (FAC-6).
/// </summary>
public sealed class PrivateCa : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    public PrivateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        Certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>A TLS server certificate for loopback (SAN localhost, 127.0.0.1, ::1).</summary>
    public X509Certificate2 IssueServer(string name)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        return Issue(name, ServerAuthentication, names.Build());
    }

    public X509Certificate2 IssueClient(string name) => Issue(name, ClientAuthentication, subjectAlternativeNames: null);

    public string WritePem(string directory, string fileName)
    {
        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path, Certificate.ExportCertificatePem());
        return path;
    }

    public void Dispose() => Certificate.Dispose();

    public static string WritePkcs12(X509Certificate2 certificate, string directory, string fileName, string password)
    {
        var path = Path.Combine(directory, fileName);
        File.WriteAllBytes(path, certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password));
        return path;
    }

    private X509Certificate2 Issue(string name, Oid usage, X509Extension? subjectAlternativeNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (subjectAlternativeNames is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeNames);
        }

        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Certificate, now.AddMinutes(-5), now.AddHours(12), serial);
        return issued.CopyWithPrivateKey(key);
    }
}

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
