namespace CaaS.Grains.Abstractions;

/// <summary>Vehicle identification numbers: 17 characters, digits and capitals without I, O and Q.</summary>
public static class Vin
{
    public const string Rule = "A VIN is 17 characters: digits and letters except I, O and Q.";

    public static bool IsValid(string? vin) =>
        vin is { Length: 17 } && vin.All(c => char.IsAsciiDigit(c) || (char.IsAsciiLetter(c) && "IOQioq".IndexOf(c) < 0));

    public static string Normalize(string vin) => vin.ToUpperInvariant();
}
