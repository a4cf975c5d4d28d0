namespace CaaS.Grains.Abstractions;

/// <summary>Names shared by the grains and the hosts that register the providers behind them.</summary>
public static class StorageNames
{
    public const string Grains = "caas";
}
