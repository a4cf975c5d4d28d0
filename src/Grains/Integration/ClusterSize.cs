using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Grains.Integration;

/// <summary>How many silos share the cluster's breaker thresholds (RES-2 holds for the cluster as a whole).</summary>
public interface IClusterSize
{
    int ActiveSilos { get; }
}

/// <summary>Outside a silo (the adapter tests, tools) the process is the whole cluster.</summary>
public sealed class SingleProcess : IClusterSize
{
    public int ActiveSilos => 1;
}

/// <summary>
/// The active silos in this silo's membership view. Resolved lazily: the membership service is the
/// silo's own and comes up with it, after the integration singletons are built.
/// </summary>
public sealed class ClusterMembershipSize(IServiceProvider services) : IClusterSize
{
    public int ActiveSilos
    {
        get
        {
            var membership = services.GetService<IClusterMembershipService>();
            var active = membership?.CurrentSnapshot.Members.Values.Count(member => member.Status == SiloStatus.Active) ?? 1;
            return Math.Max(active, 1);
        }
    }
}
