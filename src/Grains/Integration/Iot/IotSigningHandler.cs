using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CaaS.Grains.Abstractions.Integration;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Integration.Iot;

/// <summary>
/// IOT-6: every request to API IoT carries X-Iot-Timestamp and X-Iot-Signature, an HMAC-SHA256 with
/// the pre-shared key over "{METHOD}\n{path}\n{timestamp}\n{body}". Signed per attempt, so a retried
/// request gets a fresh timestamp.
/// </summary>
public sealed class IotSigningHandler(IOptionsMonitor<IntegrationOptions> options, TimeProvider time) : DelegatingHandler
{
    public const string TimestampHeader = "X-Iot-Timestamp";
    public const string SignatureHeader = "X-Iot-Signature";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.Get(ExternalSystem.Iot);
        var key = settings.Require(settings.PreSharedKey, nameof(settings.PreSharedKey), ExternalSystem.Iot);
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        request.Headers.Remove(TimestampHeader);
        request.Headers.Remove(SignatureHeader);
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Sign(key, request.Method.Method, request.RequestUri!.AbsolutePath, timestamp, body));
        return await base.SendAsync(request, cancellationToken);
    }

    public static string Sign(string key, string method, string path, string timestamp, string body)
    {
        var payload = Encoding.UTF8.GetBytes($"{method}\n{path}\n{timestamp}\n{body}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), payload));
    }
}
