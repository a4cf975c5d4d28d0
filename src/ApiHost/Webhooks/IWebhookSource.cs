using CaaS.Grains.Abstractions;

namespace CaaS.ApiHost.Webhooks;

/// <summary>
/// One sender of webhooks: it knows the sender's signature scheme and wire format, and turns a raw,
/// size-checked body into the platform's own <see cref="WebhookMessage"/>, or says why not. It
/// neither records nor answers: the intake does both, in that order (WH-7).
/// </summary>
public interface IWebhookSource
{
    /// <summary>The source's name: the inbox key's prefix (WH-3), its allow-list (WH-4) and its rate-limit window (WH-5).</summary>
    string Name { get; }

    /// <summary>Verifies the signature and its timestamp first (who sent it decides 401 before what it says decides 400), then parses.</summary>
    WebhookReading Read(HttpRequest request, string body, DateTimeOffset now);
}

/// <summary>What a source made of a request.</summary>
public abstract record WebhookReading
{
    public const string NotJson = "A webhook body is JSON, sent as application/json.";

    /// <summary>Verified and understood: to be recorded under <paramref name="MessageId"/> with the headers worth keeping for a replay.</summary>
    public sealed record Accepted(string MessageId, WebhookMessage Message, IReadOnlyDictionary<string, string> Headers) : WebhookReading;

    /// <summary>Refused at the edge, with the problem code that says why (unauthenticated, malformed).</summary>
    public sealed record Refused(string Code, string Detail) : WebhookReading;

    /// <summary>Verified news this platform does not act on: acknowledged so the sender stops sending it.</summary>
    public sealed record Ignored : WebhookReading;

    public static Refused Malformed(string detail) => new(ErrorCodes.ValidationFailed, detail);

    public static IReadOnlyDictionary<string, string> Keep(HttpRequest request, params string[] names) =>
        names.ToDictionary(name => name, name => request.Headers[name].ToString());
}
