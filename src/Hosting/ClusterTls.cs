using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CaaS.Hosting;

/// <summary>
/// Orleans:Tls, the certificate a silo or a cluster client authenticates with and the CA it accepts
/// peers from: a PKCS#12 file (CertificatePath, CertificatePassword) or PEM files (CertificatePath,
/// KeyPath, as a Kubernetes TLS Secret mounts them), and CaPath, PEM. Nothing set: TLS is off, the
/// embedded default's shape.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "Orleans:Tls";
    public const string CertificatePathSetting = Section + ":CertificatePath";
    public const string KeyPathSetting = Section + ":KeyPath";
    public const string CaPathSetting = Section + ":CaPath";

    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    public string? KeyPath { get; set; }

    public string? CaPath { get; set; }

    /// <summary>Any path set means TLS was meant: a half-done setting is refused, never quietly plain TCP.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(KeyPath) || !string.IsNullOrWhiteSpace(CaPath);
}

/// <summary>Who holds the certificate: a silo both accepts connections and opens them to other silos.</summary>
public enum ClusterTlsRole
{
    Silo,
    Client,
}

/// <summary>
/// The loaded certificate and the CA a node trusts, for Orleans' TLS (issue 16 point 6). Peers are
/// judged by their chain to the configured CA only, never by name: silos advertise IP addresses that
/// change with every container or pod, and Orleans asks for no host name when it connects. The CA is
/// the cluster's own, so a certificate it issued is what makes a process a member.
/// </summary>
public sealed class ClusterTls : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2Collection _roots;
    private readonly X509Certificate2Collection _intermediates;

    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection roots, X509Certificate2Collection intermediates)
    {
        Certificate = certificate;
        _roots = roots;
        _intermediates = intermediates;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// Reads Orleans:Tls and registers its start-up check. Null when TLS stays off: nothing is set, or
    /// what is set cannot be used (then the host refuses to start, naming the setting, before Orleans
    /// opens a port). Outside Development a node of a cluster on PostgreSQL must have it
    /// (<paramref name="required"/>): plain TCP there lets any host on the network join and call grains.
    /// </summary>
    public static ClusterTls? Register(IServiceCollection services, IConfiguration configuration, ClusterTlsRole role, bool required)
    {
        var options = configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();
        var tls = Load(options, role, out var problems);
        services.AddOptions<ClusterTlsOptions>().BindConfiguration(ClusterTlsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterTlsOptions>>(provider =>
            new ClusterTlsValidator(provider.GetRequiredService<IHostEnvironment>(), problems, required));
        return tls;
    }

    /// <summary>The certificate and CA the options name, or null with why not, each problem naming its setting.</summary>
    public static ClusterTls? Load(ClusterTlsOptions options, ClusterTlsRole role, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        problems = found;
        if (!options.IsConfigured)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            found.Add($"{ClusterTlsOptions.CertificatePathSetting} is not set; Orleans TLS needs this node's certificate (PKCS#12, or PEM with {ClusterTlsOptions.KeyPathSetting}).");
        }

        if (string.IsNullOrWhiteSpace(options.CaPath))
        {
            found.Add($"{ClusterTlsOptions.CaPathSetting} is not set; Orleans TLS needs the PEM of the CA that issues the cluster's certificates.");
        }

        if (found.Count > 0)
        {
            return null;
        }

        var certificate = ReadCertificate(options, found);
        var (roots, intermediates) = ReadAuthorities(options.CaPath!, found);
        if (certificate is null || found.Count > 0)
        {
            certificate?.Dispose();
            return null;
        }

        var tls = new ClusterTls(certificate, roots, intermediates);
        if (!tls.IsTrusted(certificate, presented: null, SslPolicyErrors.None))
        {
            found.Add($"{ClusterTlsOptions.CertificatePathSetting} is not issued by the CA in {ClusterTlsOptions.CaPathSetting}, or is outside its validity; peers would refuse it.");
        }

        var needed = role == ClusterTlsRole.Silo ? new[] { ServerAuthentication, ClientAuthentication } : [ClientAuthentication];
        foreach (var usage in needed.Where(usage => !AllowsUsage(certificate, usage)))
        {
            found.Add($"{ClusterTlsOptions.CertificatePathSetting} does not allow {usage.FriendlyName ?? usage.Value} (extended key usage {usage.Value}), which a {role.ToString().ToLowerInvariant()} needs.");
        }

        if (found.Count > 0)
        {
            tls.Dispose();
            return null;
        }

        return tls;
    }

    /// <summary>
    /// Orleans' RemoteCertificateValidation: accepts a peer whose certificate chains to the configured
    /// CA. The platform's own policy errors are not consulted: they count a name mismatch (there is no
    /// name to match) and an untrusted root (the CA is nobody's root but the cluster's).
    /// </summary>
    public bool IsTrusted(X509Certificate2 certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        foreach (var element in presented?.ChainElements.Skip(1) ?? [])
        {
            chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        // A private cluster CA publishes no revocation list; a compromised node is cut off by re-issuing
        // from a new CA (rotate Orleans:Tls:CaPath), which this pinning makes a one-setting change.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var authority in _roots.Concat(_intermediates))
        {
            authority.Dispose();
        }
    }

    private static X509Certificate2? ReadCertificate(ClusterTlsOptions options, List<string> problems)
    {
        var path = options.CertificatePath!;
        if (!File.Exists(path))
        {
            problems.Add($"{ClusterTlsOptions.CertificatePathSetting} names no readable file: {path}.");
            return null;
        }

        if (!string.IsNullOrWhiteSpace(options.KeyPath) && !File.Exists(options.KeyPath))
        {
            problems.Add($"{ClusterTlsOptions.KeyPathSetting} names no readable file: {options.KeyPath}.");
            return null;
        }

        try
        {
            var certificate = !string.IsNullOrWhiteSpace(options.KeyPath) || IsPem(path)
                ? X509Certificate2.CreateFromPemFile(path, string.IsNullOrWhiteSpace(options.KeyPath) ? null : options.KeyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
            if (!certificate.HasPrivateKey)
            {
                problems.Add($"{ClusterTlsOptions.CertificatePathSetting} has no private key; give a PKCS#12 file with its key, or the PEM key in {ClusterTlsOptions.KeyPathSetting}.");
                certificate.Dispose();
                return null;
            }

            return certificate;
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{ClusterTlsOptions.CertificatePathSetting} could not be read ({exception.Message.TrimEnd('.')}); check it, its key and Orleans:Tls:CertificatePassword.");
            return null;
        }
    }

    private static (X509Certificate2Collection Roots, X509Certificate2Collection Intermediates) ReadAuthorities(string path, List<string> problems)
    {
        var roots = new X509Certificate2Collection();
        var intermediates = new X509Certificate2Collection();
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(path);
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{ClusterTlsOptions.CaPathSetting} could not be read as PEM ({exception.Message.TrimEnd('.')}): {path}.");
            return (roots, intermediates);
        }

        // A bundle may carry an intermediate beside its root: only a self-signed one is a trust anchor.
        foreach (var authority in all)
        {
            (authority.SubjectName.RawData.AsSpan().SequenceEqual(authority.IssuerName.RawData) ? roots : intermediates).Add(authority);
        }

        if (roots.Count == 0)
        {
            problems.Add($"{ClusterTlsOptions.CaPathSetting} holds no self-signed CA certificate: {path}.");
        }

        return (roots, intermediates);
    }

    private static bool IsPem(string path)
    {
        Span<byte> start = stackalloc byte[10];
        using var file = File.OpenRead(path);
        var read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return start[..read].SequenceEqual("-----BEGIN"u8);
    }

    /// <summary>As Orleans judges it: no extended key usage at all allows every usage.</summary>
    private static bool AllowsUsage(X509Certificate2 certificate, Oid usage)
    {
        var extensions = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        return extensions.Count == 0 || extensions.Any(extension => extension.EnhancedKeyUsages.Cast<Oid>().Any(granted => granted.Value == usage.Value));
    }
}

/// <summary>
/// Turns what <see cref="ClusterTls.Register"/> found into a refusal at start-up (ValidateOnStart, written
/// by StartupRefusal), so an operator reads the setting rather than a TLS stack trace or a silent plain-TCP cluster.
/// </summary>
internal sealed class ClusterTlsValidator(IHostEnvironment environment, IReadOnlyList<string> problems, bool required) : IValidateOptions<ClusterTlsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterTlsOptions options)
    {
        if (problems.Count > 0)
        {
            return ValidateOptionsResult.Fail(problems);
        }

        if (required && !options.IsConfigured && !environment.IsDevelopment())
        {
            return ValidateOptionsResult.Fail(
                $"{ClusterTlsOptions.CertificatePathSetting} is not set; outside Development a cluster on PostgreSQL talks TLS only: " +
                $"set it and {ClusterTlsOptions.CaPathSetting} (see docker-compose.yml, deploy/k8s).");
        }

        return ValidateOptionsResult.Success;
    }
}
