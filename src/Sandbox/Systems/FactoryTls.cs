using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CaaS.Sandbox.Systems;

/// <summary>
/// FAC-6 as the Factory would enforce it, section <c>Sandbox:Factory:Tls</c>. Off unless <see cref="Url"/>
/// is set, so a default run stays plain HTTP on one port.
/// </summary>
public sealed class FactoryTlsOptions
{
    public const string Section = "Sandbox:Factory:Tls";

    /// <summary>An https URL the sandbox listens on in addition to its usual ones (for example https://127.0.0.1:5091).</summary>
    public string? Url { get; set; }

    /// <summary>PKCS#12 with the server certificate and its key; its SAN must name the host the platform dials.</summary>
    public string? ServerCertificatePath { get; set; }

    public string? ServerCertificatePassword { get; set; }

    /// <summary>PEM with the private CA (or CAs) a client certificate must chain to; the machine's store is never consulted.</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>When true the Factory's API answers 403 to a request that came without a valid client certificate, on any endpoint.</summary>
    public bool RequireClientCertificate { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}

/// <summary>Decides whether a connection's client certificate lets it reach the Factory's API.</summary>
public sealed class FactoryClientCertificates(FactoryTlsOptions options, X509Certificate2Collection trustedRoots, TimeProvider time)
{
    public const string Required = "client_certificate_required";
    public const string Untrusted = "client_certificate_untrusted";

    /// <summary>TLS client authentication (RFC 5280 id-kp-clientAuth): a server-only certificate is not a client's.</summary>
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    public bool Enforced => options.Enabled && options.RequireClientCertificate;

    /// <returns>null when the certificate is accepted, otherwise the error code the 403 carries.</returns>
    public string? Refusal(X509Certificate2? presented)
    {
        if (!Enforced)
        {
            return null;
        }

        if (presented is null)
        {
            return Required;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        // A private test CA publishes no revocation list; asking for one would refuse every certificate.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        return chain.Build(presented) ? null : Untrusted;
    }
}

public static class FactoryTls
{
    /// <summary>
    /// Adds the https endpoint when configured. Kestrel asks every client for a certificate there but
    /// accepts the connection either way, so the other systems on that endpoint keep working without
    /// one; the Factory's routes then refuse with a 403 that says why (<see cref="RequireClientCertificate"/>).
    /// </summary>
    public static WebApplicationBuilder AddFactoryTls(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(FactoryTlsOptions.Section).Get<FactoryTlsOptions>() ?? new FactoryTlsOptions();
        var roots = new X509Certificate2Collection();
        if (options.Enabled)
        {
            var serverCertificate = X509CertificateLoader.LoadPkcs12FromFile(
                Require(options.ServerCertificatePath, nameof(options.ServerCertificatePath)), options.ServerCertificatePassword);
            if (options.RequireClientCertificate)
            {
                roots.ImportFromPemFile(Require(options.ClientCaPath, nameof(options.ClientCaPath)));
            }

            var urls = (builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "http://localhost:5000")
                .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            builder.WebHost.UseUrls([.. urls, options.Url!]);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = serverCertificate;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                // The default check would build the chain against the machine's store, which does not
                // know the private CA; the Factory's routes check against that CA alone instead.
                https.ClientCertificateValidation = (_, _, _) => true;
            }));
        }

        builder.Services.AddSingleton(provider => new FactoryClientCertificates(options, roots, provider.GetRequiredService<TimeProvider>()));
        return builder;
    }

    public static RouteGroupBuilder RequireClientCertificate(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var certificates = context.HttpContext.RequestServices.GetRequiredService<FactoryClientCertificates>();
            if (!certificates.Enforced)
            {
                return await next(context);
            }

            var presented = await context.HttpContext.Connection.GetClientCertificateAsync(context.HttpContext.RequestAborted);
            return certificates.Refusal(presented) is { } refusal
                ? Results.Json(new { error = refusal, message = "the Factory requires a client certificate issued by its CA (FAC-6)" },
                    statusCode: StatusCodes.Status403Forbidden)
                : await next(context);
        });
        return group;
    }

    private static string Require(string? value, string name) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"{FactoryTlsOptions.Section}:{name} is required when {FactoryTlsOptions.Section}:Url is set.")
            : value;
}
