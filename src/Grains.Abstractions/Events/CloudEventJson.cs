using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CaaS.Grains.Abstractions.Events;

/// <summary>
/// CloudEvents 1.0, structured JSON mode: the body of every message on the log and every SSE
/// <c>data:</c> line. Written by hand with one writer because every transition pays for it; read back
/// by the consumers and checked against CloudNative.CloudEvents' own parser in the tests.
/// </summary>
public static class CloudEventJson
{
    public const string ContentType = "application/cloudevents+json";
    public const string SchemaBase = "https://caas.example/schemas/";

    /// <summary>The per-entity sequence as an extension attribute, so a consumer need not parse the id.</summary>
    public const string SequenceAttribute = "entitysequence";

    public static byte[] Format(CaaSEvent cloudEvent)
    {
        using var buffer = new MemoryStream(256 + cloudEvent.Data.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", "1.0");
            writer.WriteString("id", cloudEvent.Id);
            writer.WriteString("source", SourceOf(cloudEvent.Subject));
            writer.WriteString("type", cloudEvent.Type);
            writer.WriteString("subject", cloudEvent.EntityId);
            writer.WriteString("time", Timestamp(cloudEvent.Time));
            writer.WriteString("datacontenttype", "application/json");
            writer.WriteString("dataschema", cloudEvent.DataSchema);
            writer.WriteNumber(SequenceAttribute, cloudEvent.Sequence);
            if (cloudEvent.TraceParent is { } traceParent)
            {
                writer.WriteString("traceparent", traceParent);
            }

            writer.WritePropertyName("data");
            writer.WriteRawValue(cloudEvent.Data, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static string FormatText(CaaSEvent cloudEvent) => Encoding.UTF8.GetString(Format(cloudEvent));

    /// <summary>The inverse of <see cref="Format"/>; the NATS subject is the message's, not part of the event.</summary>
    public static CaaSEvent Parse(ReadOnlySpan<byte> body, string subject)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        var root = document.RootElement;
        return new CaaSEvent(
            root.GetProperty("id").GetString()!,
            subject,
            root.GetProperty("type").GetString()!,
            root.GetProperty("subject").GetString()!,
            root.GetProperty(SequenceAttribute).GetInt64(),
            DateTimeOffset.Parse(root.GetProperty("time").GetString()!, CultureInfo.InvariantCulture),
            root.GetProperty("dataschema").GetString()!,
            root.GetProperty("data").GetRawText(),
            root.TryGetProperty("traceparent", out var traceParent) ? traceParent.GetString() : null);
    }

    /// <summary>RFC 3339 in UTC with at most microseconds, which BigQuery's TIMESTAMP also takes as it is.</summary>
    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>caas.bookings.res-1</c> comes from <c>/caas/bookings</c>.</summary>
    private static string SourceOf(string subject)
    {
        var second = subject.IndexOf('.', StringComparison.Ordinal);
        var third = second < 0 ? -1 : subject.IndexOf('.', second + 1);
        return third < 0 ? "/caas" : "/caas/" + subject[(second + 1)..third];
    }
}
