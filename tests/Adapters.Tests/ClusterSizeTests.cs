using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Adapters.Tests;

/// <summary>RES-2 for the cluster: a silo's breakers take their share by the silos its membership sees.</summary>
[Collection(SandboxClusterCollection.Name)]
public sealed class ClusterSizeTests(SandboxClusterFixture fixture)
{
    [Fact]
    public void A_silo_counts_the_active_silos_of_its_membership_and_its_breakers_take_their_share()
    {
        var size = fixture.SiloService<IClusterSize>();

        Assert.IsType<ClusterMembershipSize>(size);
        Assert.Equal(1, size.ActiveSilos);
        Assert.Equal(5, fixture.SiloService<CircuitBreakers>().For(ExternalSystem.Iot)!.SiloThreshold);
    }

    [Fact]
    public void Outside_a_silo_the_process_is_the_whole_cluster()
    {
        using var services = new ServiceCollection().BuildServiceProvider();

        Assert.Equal(1, new ClusterMembershipSize(services).ActiveSilos);
        Assert.Equal(1, new SingleProcess().ActiveSilos);
    }
}
