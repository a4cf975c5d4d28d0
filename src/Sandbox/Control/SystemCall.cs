namespace CaaS.Sandbox.Control;

/// <summary>Which external system a request is addressed to, and what a fault may be narrowed by.</summary>
public sealed record SystemCall(string System, string? Vin, string? CustomerId)
{
    public const string Customer = "customer";
    public const string Stripe = "stripe";
    public const string Fleet = "fleet";
    public const string Factory = "factory";
    public const string Iot = "iot";
    public const string Vss = "vss";
    public const string Registration = "registration";
    public const string Notifications = "notifications";

    public static readonly string[] Systems = [Customer, Stripe, Fleet, Factory, Iot, Vss, Registration, Notifications];

    /// <summary>
    /// The VSS token endpoint belongs to VSS for the request log, but it is the identity server's, so
    /// faults injected into VSS hit the maintenance API and leave the token endpoint answering.
    /// </summary>
    public bool FaultsApply { get; init; } = true;

    public static SystemCall? Classify(PathString path)
    {
        var value = path.Value ?? "";
        var segments = value.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var vin = segments.FirstOrDefault(LooksLikeVin);
        if (path.StartsWithSegments("/customers"))
        {
            return new SystemCall(Customer, null, segments.Length > 1 ? Uri.UnescapeDataString(segments[1]) : null);
        }

        if (path.StartsWithSegments("/v1"))
        {
            return new SystemCall(Stripe, null, null);
        }

        if (path.StartsWithSegments("/api/fleet"))
        {
            return new SystemCall(Fleet, vin, null);
        }

        if (path.StartsWithSegments("/api/v1/orders"))
        {
            return new SystemCall(Factory, null, null);
        }

        if (path.StartsWithSegments("/api/iot"))
        {
            return new SystemCall(Iot, vin, null);
        }

        if (path.StartsWithSegments("/oauth/token"))
        {
            return new SystemCall(Vss, null, null) { FaultsApply = false };
        }

        if (path.StartsWithSegments("/api/v2"))
        {
            return new SystemCall(Vss, vin, null);
        }

        if (path.StartsWithSegments("/countries"))
        {
            return new SystemCall(Registration, null, null);
        }

        return path.StartsWithSegments("/api/notifications") ? new SystemCall(Notifications, null, null) : null;
    }

    private static bool LooksLikeVin(string segment) =>
        segment.Length == 17 && segment.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c));
}
