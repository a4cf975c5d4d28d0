using System.Text;
using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Abstractions.Events;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Events;

/// <summary>
/// The events each flow's outbox turns into (issue 14 point 3; types and data in docs/api-contract.md).
/// An entry's event carries the flow as it stands when it is published, which is the state the entry
/// was stored with or a newer one: consumers keep the newest by sequence, so either is right for them.
/// </summary>
public static class FlowEvents
{
    /// <summary>A flow's entries after its published mark, then its money moves after theirs.</summary>
    public static OutboxBatch Pending(EventKind kind, string entityId, FlowJournal journal, Func<string> dataOf,
        IReadOnlyList<MoneyMoved>? ledger = null)
    {
        var events = new List<CaaSEvent>();
        string? data = null;
        var through = journal.PublishedThrough;
        foreach (var entry in journal.Outbox)
        {
            if (entry.Sequence > journal.PublishedThrough)
            {
                data ??= dataOf();
                events.Add(kind.Event(entityId, entry.Sequence, TypeOf(entry), entry.At, data, OutboxPublisher.TraceParentOf(entry.TraceId)));
                through = Math.Max(through, entry.Sequence);
            }
        }

        var money = journal.MoneyPublished;
        for (var i = journal.MoneyPublished; ledger is not null && i < ledger.Count; i++)
        {
            events.Add(MoneyEvent(ledger[i], i + 1));
            money = i + 1;
        }

        return events.Count == 0 ? OutboxBatch.Empty : new OutboxBatch(events, through, money);
    }

    /// <summary>The flow as it stands now, under its newest entry's id, and every move of its ledger: what a rebuild re-seeds from.</summary>
    public static OutboxBatch Snapshot(EventKind kind, string entityId, FlowJournal journal, IReadOnlyList<TransitionRecord> history, Func<string> dataOf,
        IReadOnlyList<MoneyMoved>? ledger = null)
    {
        if (history.Count == 0 || journal.Sequence == 0)
        {
            return OutboxBatch.Empty;
        }

        var newest = history[^1];
        var events = new List<CaaSEvent> { kind.Event(entityId, journal.Sequence, TypeOf(newest), newest.At, dataOf(), OutboxPublisher.TraceParentOf(newest.TraceId)) };
        for (var i = 0; ledger is not null && i < ledger.Count; i++)
        {
            events.Add(MoneyEvent(ledger[i], i + 1));
        }

        return new OutboxBatch(events, journal.Sequence, ledger?.Count ?? 0);
    }

    /// <summary>The word after <c>caas.&lt;kind&gt;.</c>: what the entry did, in the contract's snake case.</summary>
    public static string TypeOf(TransitionRecord entry)
    {
        if (entry.Kind != FlowEntryKind.Moved)
        {
            return Snake(entry.Kind.ToString());
        }

        if (entry.From == "None")
        {
            return "created";
        }

        return entry.To switch
        {
            "Active" => "started",
            _ => Snake(entry.To),
        };
    }

    /// <summary>Money on <c>caas.money.&lt;flowId&gt;</c>, numbered by its place in the flow's ledger.</summary>
    public static CaaSEvent MoneyEvent(MoneyMoved moved, int ordinal) =>
        EventSubjects.MoneyMoved.Event(moved.FlowId, ordinal, Snake(moved.Type.ToString()), moved.At,
            JsonSerializer.Serialize(moved, EventJson.Options), OutboxPublisher.TraceParentOf(null));

    public static string BookingData(AnalyticsExport booking) => JsonSerializer.Serialize(booking, EventJson.Options);

    public static string FlowData(FlowMoved flow) => JsonSerializer.Serialize(flow, EventJson.Options);

    public static string Snake(string pascal)
    {
        var snake = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                snake.Append('_');
            }

            snake.Append(char.ToLowerInvariant(pascal[i]));
        }

        return snake.ToString();
    }
}

public static class EventJson
{
    /// <summary>camelCase, enums as names, timestamps as System.Text.Json writes them (ISO 8601).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(), new MicrosecondTimestamps() },
    };

    /// <summary>ANA-3: BigQuery's TIMESTAMP holds microseconds; .NET's seven digits would be refused on load.</summary>
    private sealed class MicrosecondTimestamps : System.Text.Json.Serialization.JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(CloudEventJson.Timestamp(value));
    }
}
