using System.Security.Cryptography;
using System.Text;

namespace CaaS.ApiHost.Endpoints;

/// <summary>
/// A create call's grain id: random without an Idempotency-Key; with one, derived from the caller and
/// the key, so a repeat reaches the same grain, which replays its first answer.
/// </summary>
public static class IdempotentIds
{
    public const string Header = "Idempotency-Key";

    private const int MaxKeyLength = 200;

    public static void Validate(string? key, Dictionary<string, string[]> errors)
    {
        if (key is not null && (key.Length == 0 || key.Length > MaxKeyLength))
        {
            errors[Header] = [$"An {Header} is 1 to {MaxKeyLength} characters."];
        }
    }

    public static string For(string prefix, string customerId, string? key) => key is null
        ? prefix + Guid.NewGuid().ToString("N")
        : prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{customerId}\n{key}")))[..32];
}
