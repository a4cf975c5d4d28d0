using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CaaS.Hosting;

public enum SignatureCheck
{
    Valid,
    Missing,
    BadSignature,
    Stale,
    FromTheFuture,
}

/// <summary>
/// Standard Webhooks (the Factory's and the Fleet's scheme): webhook-signature holds one or more
/// "v1,&lt;base64 HMAC-SHA256&gt;" over "{webhook-id}.{webhook-timestamp}.{body}", keyed with the base64
/// part of the whsec_ secret. WH-2: a timestamp more than five minutes away from our clock is refused,
/// which also bounds how long a captured request could be replayed.
/// </summary>
public static class StandardWebhooks
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <param name="tolerance">How far the timestamp may be from <paramref name="now"/> either way; <see cref="Tolerance"/> when not given.</param>
    public static SignatureCheck Verify(string secret, string? messageId, string? timestamp, string? signatures, string body, DateTimeOffset now,
        TimeSpan? tolerance = null)
    {
        var window = tolerance ?? Tolerance;
        if (string.IsNullOrEmpty(messageId) || string.IsNullOrEmpty(signatures)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return SignatureCheck.Missing;
        }

        var sentAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        if (now - sentAt > window)
        {
            return SignatureCheck.Stale;
        }

        if (sentAt - now > window)
        {
            return SignatureCheck.FromTheFuture;
        }

        var expected = Sign(secret, messageId, timestamp!, body);
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (candidate.StartsWith("v1,", StringComparison.Ordinal)
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate[3..]), Encoding.ASCII.GetBytes(expected)))
            {
                return SignatureCheck.Valid;
            }
        }

        return SignatureCheck.BadSignature;
    }

    public static string Sign(string secret, string messageId, string timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret);
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}")));
    }
}
