using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Factory;

namespace CaaS.Adapters.Tests;

/// <summary>
/// FAC-6 over real TLS: the sandbox's Factory requires a client certificate issued by a CA made for this
/// run, and the platform's Factory adapter, wired as production wires it, presents its own.
/// </summary>
public sealed class FactoryMutualTlsTests(FactoryTlsSandboxFixture sandbox) : IClassFixture<FactoryTlsSandboxFixture>, IAsyncLifetime
{
    private FactoryTlsMaterial Tls => sandbox.Tls;

    public Task InitializeAsync() => sandbox.ResetAsync();

    public Task DisposeAsync() => sandbox.ResetAsync();

    [Fact]
    public async Task FAC_6_the_platform_presents_its_client_certificate_and_places_and_reads_an_order_over_https()
    {
        await using var harness = new AdapterHarness(sandbox, Tls.PlatformSettings(Tls.ClientPath, Tls.CaPath));
        var factory = harness.Get<FactoryClient>();
        var reference = "fac6-" + Guid.NewGuid().ToString("N");

        var placed = await factory.PlaceAsync(reference, Spec);
        var read = await factory.GetAsync(placed.FactoryOrderId);

        Assert.Equal((placed.FactoryOrderId, reference, "PLACED"), (read.FactoryOrderId, read.Reference, read.Status));
        var requests = await sandbox.RequestsUntilAsync(ExternalSystem.Factory, 2);
        Assert.Equal([201, 200], requests.Select(request => request.Status));
        Assert.Equal(2, harness.Attempts.To("api/v1/orders").Count);
    }

    [Fact]
    public async Task FAC_6_without_a_client_certificate_the_factory_refuses_once_and_the_adapter_reports_credentials_refused()
    {
        await using var harness = new AdapterHarness(sandbox, Tls.PlatformSettings(clientCertificatePath: null, Tls.CaPath));

        var refused = await Assert.ThrowsAsync<DependencyRejectedException>(() =>
            harness.Get<FactoryClient>().PlaceAsync("fac6-" + Guid.NewGuid().ToString("N"), Spec));

        Assert.Equal((ExternalSystem.Factory, 403, DependencyRejectedException.CredentialsRefused), (refused.System, refused.StatusCode, refused.Reason));
        // FAC-1: no automatic retry, so one refusal is one request; the order grain turns it into PlacementFailed for ops.
        Assert.Single(harness.Attempts.To("api/v1/orders"));
        var logged = Assert.Single(await sandbox.RequestsUntilAsync(ExternalSystem.Factory, 1));
        Assert.Equal(403, logged.Status);
        Assert.Equal(FactoryRefusal.Required, await RawRefusalAsync(Tls.HttpsUrl, clientCertificate: null));
    }

    [Fact]
    public async Task FAC_6_a_client_certificate_issued_by_another_CA_is_refused()
    {
        await using var harness = new AdapterHarness(sandbox, Tls.PlatformSettings(Tls.StrangerPath, Tls.CaPath));

        var refused = await Assert.ThrowsAsync<DependencyRejectedException>(() => harness.Get<FactoryClient>().GetAsync("any-order"));

        Assert.Equal((403, DependencyRejectedException.CredentialsRefused), (refused.StatusCode, refused.Reason));
        using var stranger = X509CertificateLoader.LoadPkcs12FromFile(Tls.StrangerPath, Tls.Password);
        Assert.Equal(FactoryRefusal.Untrusted, await RawRefusalAsync(Tls.HttpsUrl, stranger));
    }

    [Fact]
    public async Task FAC_6_the_factory_on_plain_http_refuses_too_when_it_requires_client_certificates()
    {
        // The sandbox's plain endpoint, as every other system uses it: no TLS, so no certificate to present.
        await using var harness = new AdapterHarness(sandbox);

        var refused = await Assert.ThrowsAsync<DependencyRejectedException>(() => harness.Get<FactoryClient>().GetAsync("any-order"));

        Assert.Equal(403, refused.StatusCode);
        Assert.Equal(FactoryRefusal.Required, await RawRefusalAsync(sandbox.BaseUrl, clientCertificate: null));
    }

    [Fact]
    public async Task FAC_6_the_platform_refuses_a_factory_whose_server_certificate_its_configured_CA_did_not_issue()
    {
        // Trusting another private CA must not fall back to accepting whatever the server shows.
        await using var harness = new AdapterHarness(sandbox, Tls.PlatformSettings(Tls.ClientPath, Tls.OtherCaPath));

        var unreachable = await Assert.ThrowsAsync<DependencyUnavailableException>(() => harness.Get<FactoryClient>().GetAsync("any-order"));

        Assert.Equal(ExternalSystem.Factory, unreachable.System);
        Assert.Empty(await sandbox.RequestsAsync(ExternalSystem.Factory));
    }

    [Fact]
    public async Task FAC_6_the_other_systems_keep_answering_on_the_https_endpoint_without_a_certificate()
    {
        using var http = Direct(clientCertificate: null);

        using var fleet = await http.GetAsync(new Uri(Tls.HttpsUrl + "/sandbox/fleet/vehicles"));

        Assert.Equal(HttpStatusCode.OK, fleet.StatusCode);
    }

    private static readonly VehicleSpec Spec = new("ID.4", "Pro", "Blue", "ES");

    /// <summary>What the Factory says to a caller outside the platform's pipeline: the error code of its 403.</summary>
    private async Task<string?> RawRefusalAsync(string baseUrl, X509Certificate2? clientCertificate)
    {
        using var http = Direct(clientCertificate);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl + "/api/v1/orders/any-order"));
        request.Headers.Add("X-Api-Key", "local-factory-api-key");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
    }

    private HttpClient Direct(X509Certificate2? clientCertificate)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(Tls.CaPath);
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(roots);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = policy;
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, additionalCertificates: null, offline: true);
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The sandbox Factory's 403 codes, restated here so that a renamed code fails the test.</summary>
    private static class FactoryRefusal
    {
        public const string Required = "client_certificate_required";
        public const string Untrusted = "client_certificate_untrusted";
    }
}
