using System.Text;
using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Telemetry;

/// <summary>
/// Deals the fleet's VINs to the poller partitions. Every silo must deal alike, and string.GetHashCode
/// is randomised per process, so the deal uses FNV-1a over the normalised VIN's bytes.
/// </summary>
public static class FleetPartition
{
    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    public static int Of(string vin, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var hash = FnvOffsetBasis;
        foreach (var octet in Encoding.ASCII.GetBytes(Vin.Normalize(vin)))
        {
            hash = unchecked((hash ^ octet) * FnvPrime);
        }

        return (int)(hash % (uint)partitions);
    }

    /// <summary>The partition's VINs, normalised, each once.</summary>
    public static IReadOnlyList<string> VinsOf(IEnumerable<string> fleet, int partition, int partitions) =>
        [.. fleet.Select(Vin.Normalize).Distinct(StringComparer.Ordinal).Where(vin => Of(vin, partitions) == partition)];
}
