using System.Text;

namespace CaaS.Grains.Abstractions.Events;

/// <summary>
/// The log's names (issue 14): one subject per entity, <c>caas.&lt;kinds&gt;.&lt;id&gt;</c>, and the
/// kind word that leads each message id and event type.
/// </summary>
public static class EventSubjects
{
    public const string Stream = "CAAS";
    public const string All = "caas.>";
    public const string Bookings = "caas.bookings.>";
    public const string Money = "caas.money.>";

    /// <summary>Fleet Management's own events (FLT-1..3), on a stream Fleet Management owns.</summary>
    public const string FleetEvents = "fleet.events.>";

    public static readonly EventKind Booking = new("booking", "bookings", "booking/v1");
    public static readonly EventKind Order = new("order", "orders", "order/v1");
    public static readonly EventKind Purchase = new("purchase", "purchases", "purchase/v1");
    public static readonly EventKind Ota = new("ota", "ota", "ota/v1");
    public static readonly EventKind Vehicle = new("vehicle", "vehicles", "vehicle/v1");
    public static readonly EventKind MoneyMoved = new("money", "money", "money/v1");

    /// <summary>
    /// A subject token cannot hold '.', '*', '>' or white space; ids the platform mints never do, but
    /// a VIN or order id from outside is made safe rather than allowed to split the subject.
    /// </summary>
    public static string Token(string id)
    {
        if (id.Length > 0 && id.All(IsPlain))
        {
            return id;
        }

        var safe = new StringBuilder(id.Length);
        foreach (var character in id)
        {
            safe.Append(IsPlain(character) ? character : '_');
        }

        return safe.Length == 0 ? "_" : safe.ToString();
    }

    private static bool IsPlain(char character) => character is not ('.' or '*' or '>') && !char.IsWhiteSpace(character) && !char.IsControl(character);

    /// <summary>NATS subject matching: <c>*</c> is one token, a final <c>&gt;</c> one or more.</summary>
    public static bool Matches(string filter, string subject)
    {
        var filterTokens = filter.Split('.');
        var subjectTokens = subject.Split('.');
        for (var i = 0; i < filterTokens.Length; i++)
        {
            if (filterTokens[i] == ">")
            {
                return i == filterTokens.Length - 1 && subjectTokens.Length > i;
            }

            if (i >= subjectTokens.Length || (filterTokens[i] != "*" && filterTokens[i] != subjectTokens[i]))
            {
                return false;
            }
        }

        return filterTokens.Length == subjectTokens.Length;
    }
}

/// <param name="Word">Leads message ids and types: <c>booking/res-1/3</c>, <c>caas.booking.confirmed</c>.</param>
/// <param name="Plural">The subject's second token: <c>caas.bookings.res-1</c>.</param>
/// <param name="Schema">The version of the event's <c>data</c>, its <c>dataschema</c>.</param>
public sealed record EventKind(string Word, string Plural, string Schema)
{
    public string SubjectOf(string entityId) => $"caas.{Plural}.{EventSubjects.Token(entityId)}";

    public string IdOf(string entityId, long sequence) => $"{Word}/{entityId}/{sequence}";

    public string TypeOf(string what) => $"caas.{Word}.{what}";

    public string Filter => $"caas.{Plural}.>";

    public CaaSEvent Event(string entityId, long sequence, string what, DateTimeOffset at, string data, string? traceParent) =>
        new(IdOf(entityId, sequence), SubjectOf(entityId), TypeOf(what), entityId, sequence, at, CloudEventJson.SchemaBase + Schema, data, traceParent);
}
