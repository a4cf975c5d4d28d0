using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Telemetry;

/// <summary>
/// Deals the fleet's VINs to the poller partitions; every silo deals alike (<see cref="Partitions"/>).
/// </summary>
public static class FleetPartition
{
    public static int Of(string vin, int partitions) => Partitions.Of(Vin.Normalize(vin), partitions);

    /// <summary>The partition's VINs, normalised, each once.</summary>
    public static IReadOnlyList<string> VinsOf(IEnumerable<string> fleet, int partition, int partitions) =>
        [.. fleet.Select(Vin.Normalize).Distinct(StringComparer.Ordinal).Where(vin => Of(vin, partitions) == partition)];
}
