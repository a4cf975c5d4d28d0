using System.Security.Cryptography;

namespace CaaS.TestSupport;

/// <summary>
/// Orleans TLS for one test run (issue 16 point 6), on disk: the cluster's CA, a silo certificate
/// (PKCS#12, as docker-compose.yml mounts it), a client certificate (PEM certificate and key, as a
/// Kubernetes TLS Secret mounts them), and a client certificate from another CA the cluster does not trust.
/// </summary>
public sealed class OrleansTlsMaterial : IDisposable
{
    public OrleansTlsMaterial()
    {
        Directory.CreateDirectory(Folder);
        using var clusterCa = new PrivateCa("CaaS test cluster CA");
        using var otherCa = new PrivateCa("CaaS test other CA");
        using var silo = clusterCa.IssueSilo("caas-silo");
        using var client = clusterCa.IssueClient("caas-api");
        using var stranger = otherCa.IssueClient("caas-api");
        CaPath = clusterCa.WritePem(Folder, "cluster-ca.pem");
        SiloPath = PrivateCa.WritePkcs12(silo, Folder, "silo.p12", Password);
        (ClientPath, ClientKeyPath) = PrivateCa.WritePem(client, Folder, "client");
        StrangerPath = PrivateCa.WritePkcs12(stranger, Folder, "stranger.p12", Password);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "caas-orleans-tls-" + Guid.NewGuid().ToString("N")[..12]);

    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    public string CaPath { get; }

    public string SiloPath { get; }

    public string ClientPath { get; }

    public string ClientKeyPath { get; }

    public string StrangerPath { get; }

    /// <summary>Environment for the platform's processes (Platform.StartAsync): every silo and the API host present the silo certificate.</summary>
    public IReadOnlyDictionary<string, string?> PlatformEnvironment => new Dictionary<string, string?>
    {
        ["Orleans__Tls__CertificatePath"] = SiloPath,
        ["Orleans__Tls__CertificatePassword"] = Password,
        ["Orleans__Tls__CaPath"] = CaPath,
    };

    /// <summary>Configuration for an in-process client (ClusterClients.ConnectAsync) with the cluster CA's client certificate.</summary>
    public IReadOnlyDictionary<string, string?> ClientSettings => new Dictionary<string, string?>
    {
        ["Orleans:Tls:CertificatePath"] = ClientPath,
        ["Orleans:Tls:KeyPath"] = ClientKeyPath,
        ["Orleans:Tls:CaPath"] = CaPath,
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
