namespace CaaS.Grains.Abstractions.Integration;

/// <summary>The VSS workshop system (VSS-1, VSS-3). The 1 h cache lives in IMaintenanceGrain.</summary>
public interface IVssAdapterGrain : IGrainWithIntegerKey
{
    [ResponseTimeout(AdapterTimeouts.Vss)]
    Task<MaintenanceReport> GetMaintenanceAsync(string vin);
}

[GenerateSerializer, Alias("caas.maintenance-state")]
public enum MaintenanceState
{
    Current = 0,
    DueSoon = 1,
    Overdue = 2,
}

[GenerateSerializer, Immutable, Alias("caas.maintenance-report")]
public sealed record MaintenanceReport(
    [property: Id(0)] string Vin,
    [property: Id(1)] MaintenanceState Status,
    [property: Id(2)] int Percentage,
    [property: Id(3)] DateTimeOffset? NextServiceDate);
