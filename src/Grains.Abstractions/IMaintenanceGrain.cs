using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Abstractions;

/// <summary>A vehicle's maintenance status from VSS, keyed by VIN, with the 1 h fallback cache of VSS-2.</summary>
public interface IMaintenanceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Asks VSS; when VSS fails (or its breaker is open, VSS-4) a result younger than 1 h answers.
    /// Throws a <see cref="DomainException"/> with DEPENDENCY_UNAVAILABLE when neither can.
    /// </summary>
    [ResponseTimeout(Integration.AdapterTimeouts.Vss)]
    Task<MaintenanceCheck> CheckAsync();
}

[GenerateSerializer, Immutable, Alias("caas.maintenance-check")]
public sealed record MaintenanceCheck(
    [property: Id(0)] MaintenanceReport Report,
    [property: Id(1)] DateTimeOffset CheckedAt,
    [property: Id(2)] bool FromCache);

[GenerateSerializer, Alias("caas.maintenance-cache-state")]
public sealed class MaintenanceCacheState
{
    [Id(0)] public MaintenanceReport? Report { get; set; }
    [Id(1)] public DateTimeOffset? CheckedAt { get; set; }
}
