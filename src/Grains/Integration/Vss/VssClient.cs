using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;

namespace CaaS.Grains.Integration.Vss;

/// <summary>The VSS maintenance query (VSS-1); the bearer handler in its pipeline adds VSS-3.</summary>
public sealed class VssClient(HttpClient http)
{
    public async Task<MaintenanceReport> GetMaintenanceAsync(string vin, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v2/vehicles/{Uri.EscapeDataString(vin)}/maintenance");
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Vss, request, cancellationToken);
        var wire = await ExternalCall.ReadAsync<MaintenanceWire>(response, ExternalSystem.Vss, cancellationToken);
        return new MaintenanceReport(wire.Vin, wire.Status switch
        {
            "CURRENT" => MaintenanceState.Current,
            "DUE_SOON" => MaintenanceState.DueSoon,
            "OVERDUE" => MaintenanceState.Overdue,
            _ => throw new DependencyUnavailableException(ExternalSystem.Vss, $"unknown maintenance status '{wire.Status}'"),
        }, wire.Percentage, wire.NextServiceDate);
    }

    private sealed record MaintenanceWire(string Vin, string Status, int Percentage, DateTimeOffset? NextServiceDate);
}
