namespace CaaS.Sandbox.Systems;

/// <summary>Well-formed VINs, with the ISO 3779 check digit in position 9 so they pass the strictest validator.</summary>
public static class Vins
{
    private const string Transliteration = "0123456789.ABCDEFGH..JKLMN.P.R..STUVWXYZ";
    private static readonly int[] Weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

    /// <summary>17 characters, digits and capitals without I, O and Q, as API IoT accepts them.</summary>
    public static bool IsWellFormed(string value) =>
        value.Length == 17 && value.All(c => char.IsAsciiDigit(c) || (char.IsAsciiLetter(c) && "IOQioq".IndexOf(c) < 0));

    /// <param name="prefix">World manufacturer and vehicle descriptor: 8 characters.</param>
    /// <param name="serial">Model year, plant and serial number: 8 characters.</param>
    public static string Make(string prefix, string serial)
    {
        var draft = prefix + "0" + serial;
        var sum = 0;
        for (var i = 0; i < draft.Length; i++)
        {
            sum += Value(draft[i]) * Weights[i];
        }

        var check = sum % 11;
        return prefix + (check == 10 ? 'X' : (char)('0' + check)) + serial;
    }

    private static int Value(char c) => char.IsAsciiDigit(c) ? c - '0' : Transliteration.IndexOf(c, StringComparison.Ordinal) % 10;
}
