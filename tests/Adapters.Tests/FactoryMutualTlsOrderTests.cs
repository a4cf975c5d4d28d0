using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Orders;

namespace CaaS.Adapters.Tests;

/// <summary>A silo whose platform certificate is missing, against a Factory that requires one (FAC-6).</summary>
public sealed class FactoryWithoutClientCertificateClusterFixture() : SandboxClusterFixture(new FactoryTlsSandboxFixture(),
    sandbox => ((FactoryTlsSandboxFixture)sandbox).Tls.PlatformSettings(clientCertificatePath: null, ((FactoryTlsSandboxFixture)sandbox).Tls.CaPath));

/// <summary>FAC-6 with FAC-1: the Factory's refusal of the platform's connection reaches ops as a failed placement, once.</summary>
public sealed class FactoryMutualTlsOrderTests(FactoryWithoutClientCertificateClusterFixture fixture) : IClassFixture<FactoryWithoutClientCertificateClusterFixture>
{
    [Fact]
    public async Task FAC_6_an_order_refused_for_want_of_a_client_certificate_is_PlacementFailed_with_an_ops_alert_and_no_retry()
    {
        var orderId = "fac6-order-" + Guid.NewGuid().ToString("N")[..8];

        var placed = await fixture.DriveAsync(fixture.Grains.GetGrain<IFactoryOrderGrain>(orderId)
            .PlaceAsync(new PlaceFactoryOrder("cust-1", new VehicleSpec("ID.4", "Pro", "Blue", "ES"))));

        Assert.Equal(FactoryOrderStatus.PlacementFailed, placed.Status);
        var alert = await fixture.Grains.GetGrain<IOpsGrain>(0).GetAsync($"factory-placement/{orderId}");
        Assert.NotNull(alert);
        Assert.Equal(OpsItemKind.Alert, alert.Kind);
        var requests = await fixture.Sandbox.RequestsAsync(ExternalSystem.Factory);
        Assert.Equal(403, Assert.Single(requests).Status);
    }
}
