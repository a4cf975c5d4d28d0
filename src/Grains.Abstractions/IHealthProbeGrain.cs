namespace CaaS.Grains.Abstractions;

/// <summary>Answers when the cluster can place and run a grain: what "ready" means for every host.</summary>
public interface IHealthProbeGrain : IGrainWithIntegerKey
{
    Task<string> PingAsync();
}
