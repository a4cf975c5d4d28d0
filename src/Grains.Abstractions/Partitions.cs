namespace CaaS.Grains.Abstractions;

/// <summary>
/// Deals keys to partitions that every silo must agree on. string.GetHashCode is randomised per
/// process; Orleans' stable hash is not.
/// </summary>
public static class Partitions
{
    public static int Of(string key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (int)(Orleans.StableHash.ComputeHash(key) % (uint)partitions);
    }
}
