namespace CaaS.Grains.Abstractions.Integration;

/// <summary>The systems the platform calls; the names tag metrics and select configuration.</summary>
public static class ExternalSystem
{
    public const string Customer = "customer";
    public const string Stripe = "stripe";
    public const string Fleet = "fleet";
    public const string Factory = "factory";
    public const string Iot = "iot";
    public const string Vss = "vss";
    public const string Registration = "registration";
    public const string Notifications = "notifications";

    public static IReadOnlyList<string> All { get; } = [Customer, Stripe, Fleet, Factory, Iot, Vss, Registration, Notifications];
}
