using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Sandbox.Control;

/// <summary>Which external system a request is addressed to, and what a fault may be narrowed by.</summary>
public sealed record SystemCall(string System, string? Vin, string? CustomerId)
{
    /// <summary>The fault API's system names are the platform's own names for them.</summary>
    public static IReadOnlyList<string> Systems => ExternalSystem.All;

    /// <summary>
    /// The VSS token endpoint belongs to VSS for the request log, but it is the identity server's, so
    /// faults injected into VSS hit the maintenance API and leave the token endpoint answering.
    /// </summary>
    public bool FaultsApply { get; init; } = true;

    public static SystemCall? Classify(PathString path)
    {
        var value = path.Value ?? "";
        var segments = value.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var vin = segments.FirstOrDefault(segment => CaaS.Sandbox.Systems.Vins.IsWellFormed(segment) && segment.ToUpperInvariant() == segment);
        if (path.StartsWithSegments("/customers"))
        {
            return new SystemCall(ExternalSystem.Customer, null, segments.Length > 1 ? Uri.UnescapeDataString(segments[1]) : null);
        }

        if (path.StartsWithSegments("/v1"))
        {
            return new SystemCall(ExternalSystem.Stripe, null, null);
        }

        if (path.StartsWithSegments("/api/fleet"))
        {
            return new SystemCall(ExternalSystem.Fleet, vin, null);
        }

        if (path.StartsWithSegments("/api/v1/orders"))
        {
            return new SystemCall(ExternalSystem.Factory, null, null);
        }

        if (path.StartsWithSegments("/api/iot"))
        {
            return new SystemCall(ExternalSystem.Iot, vin, null);
        }

        if (path.StartsWithSegments("/oauth/token"))
        {
            return new SystemCall(ExternalSystem.Vss, null, null) { FaultsApply = false };
        }

        if (path.StartsWithSegments("/api/v2"))
        {
            return new SystemCall(ExternalSystem.Vss, vin, null);
        }

        if (path.StartsWithSegments("/countries"))
        {
            return new SystemCall(ExternalSystem.Registration, null, null);
        }

        return path.StartsWithSegments("/api/notifications") ? new SystemCall(ExternalSystem.Notifications, null, null) : null;
    }
}
