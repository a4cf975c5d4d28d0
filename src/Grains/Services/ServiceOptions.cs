namespace CaaS.Grains.Services;

public sealed class ServiceOptions
{
    public const string Section = "Services";

    /// <summary>What can be bought, by service code: the price in minor units.</summary>
    public Dictionary<string, long> Catalog { get; set; } = new(StringComparer.Ordinal)
    {
        ["ENHANCED_POWER"] = 4_900,
        ["HEATED_SEATS"] = 1_900,
        ["AUTOPARK"] = 2_900,
    };

    public string Currency { get; set; } = "EUR";

    /// <summary>How often a purchase with something owed (a void, a capture, a notification) looks again.</summary>
    public TimeSpan GuardPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A purchase still validating after this long was interrupted (a crash): it fails, and any authorisation is voided.</summary>
    public TimeSpan AbandonValidationAfter { get; set; } = TimeSpan.FromMinutes(3);
}
