using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace CaaS.Sandbox.Identity;

/// <summary>
/// SEC-6: the issuer's key pairs, an RSA one (RS256) and a P-256 one (ES256), made when the sandbox
/// starts and kept for the run, so every token of a run verifies against one published key set.
/// A rotation makes new pairs and keeps publishing the previous ones, as a real issuer does while
/// tokens signed before it are still alive.
/// </summary>
public sealed class SigningKeys : IDisposable
{
    public const string Rs256 = SecurityAlgorithms.RsaSha256;
    public const string Es256 = SecurityAlgorithms.EcdsaSha256;

    public static readonly IReadOnlyList<string> Algorithms = [Rs256, Es256];

    private readonly Lock _gate = new();
    private Generation _current = Generation.Create();
    private Generation? _previous;

    public SigningCredentials CredentialsFor(string algorithm)
    {
        Generation current;
        lock (_gate)
        {
            current = _current;
        }

        return algorithm switch
        {
            Rs256 => new SigningCredentials(current.Rsa, Rs256),
            Es256 => new SigningCredentials(current.Ec, Es256),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "the sandbox signs with RS256 or ES256"),
        };
    }

    /// <summary>The public halves, current first, as JWKS members (RFC 7517).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Published()
    {
        lock (_gate)
        {
            return [.. _current.Jwks, .. _previous?.Jwks ?? []];
        }
    }

    /// <returns>The key ids now signing.</returns>
    public IReadOnlyList<string> Rotate()
    {
        lock (_gate)
        {
            _previous?.Dispose();
            _previous = _current;
            _current = Generation.Create();
            return [_current.Rsa.KeyId, _current.Ec.KeyId];
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _current.Dispose();
            _previous?.Dispose();
        }
    }

    private sealed record Generation(RsaSecurityKey Rsa, ECDsaSecurityKey Ec, IReadOnlyList<IReadOnlyDictionary<string, string>> Jwks) : IDisposable
    {
        public static Generation Create()
        {
            var rsa = RSA.Create(2048);
            var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var rsaPublic = rsa.ExportParameters(includePrivateParameters: false);
            var ecPublic = ec.ExportParameters(includePrivateParameters: false);
            var rsaJwk = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["kty"] = "RSA",
                ["n"] = Base64UrlEncoder.Encode(rsaPublic.Modulus),
                ["e"] = Base64UrlEncoder.Encode(rsaPublic.Exponent),
            };
            var ecJwk = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = Base64UrlEncoder.Encode(ecPublic.Q.X),
                ["y"] = Base64UrlEncoder.Encode(ecPublic.Q.Y),
            };
            var rsaKid = Thumbprint(rsaJwk);
            var ecKid = Thumbprint(ecJwk);
            return new Generation(
                new RsaSecurityKey(rsa) { KeyId = rsaKid },
                new ECDsaSecurityKey(ec) { KeyId = ecKid },
                [Published(rsaJwk, rsaKid, Rs256), Published(ecJwk, ecKid, Es256)]);
        }

        public void Dispose()
        {
            Rsa.Rsa.Dispose();
            Ec.ECDsa.Dispose();
        }

        // RFC 7638: the kid is the SHA-256 of the required members in lexicographic order, so it names
        // the key itself and a verifier can never be handed two different keys under one id.
        private static string Thumbprint(SortedDictionary<string, string> required)
        {
            var canonical = "{" + string.Join(",", required.Select(member => $"\"{member.Key}\":\"{member.Value}\"")) + "}";
            return Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        }

        private static Dictionary<string, string> Published(SortedDictionary<string, string> required, string kid, string algorithm) =>
            new(required, StringComparer.Ordinal) { ["kid"] = kid, ["use"] = "sig", ["alg"] = algorithm };
    }
}
