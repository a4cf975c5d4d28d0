using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CaaS.TestSupport;

/// <summary>
/// A certificate authority made for one test run, in memory: no openssl, no key ever committed. It
/// issues the Factory's server certificate and the platform's client certificate (FAC-6), and the
/// certificates Orleans' silos and clients authenticate each other with (issue 16 point 6).
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
    public X509Certificate2 IssueServer(string name) => Issue(name, [ServerAuthentication], LoopbackNames());

    public X509Certificate2 IssueClient(string name) => Issue(name, [ClientAuthentication], subjectAlternativeNames: null);

    /// <summary>
    /// A silo's: one certificate both accepts connections (server) and opens them to other silos (client).
    /// Its names are loopback's, though nothing checks them: silos advertise addresses, not names.
    /// </summary>
    public X509Certificate2 IssueSilo(string name) => Issue(name, [ServerAuthentication, ClientAuthentication], LoopbackNames());

    /// <summary>The certificate and its private key as two PEM files, the shape a Kubernetes TLS Secret mounts.</summary>
    public static (string CertificatePath, string KeyPath) WritePem(X509Certificate2 certificate, string directory, string name)
    {
        var certificatePath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("issued certificates carry an ECDSA key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

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

    private static X509Extension LoopbackNames()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        return names.Build();
    }

    private X509Certificate2 Issue(string name, Oid[] usages, X509Extension? subjectAlternativeNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], critical: false));
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

