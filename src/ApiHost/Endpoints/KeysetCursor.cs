using System.Globalization;
using System.Text;

namespace CaaS.ApiHost.Endpoints;

/// <summary>
/// Keyset paging over lists ordered by (time, id): a cursor is the position after the last item
/// served, so pages stay stable while items are added. Opaque to clients (URL-safe base64).
/// </summary>
public readonly record struct KeysetCursor(DateTimeOffset At, string Id)
{
    public override string ToString() =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{At.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{Id}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Null when the text is not a cursor this API issued.</summary>
    public static KeysetCursor? Parse(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('|', 2);
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? new KeysetCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public bool IsBefore(DateTimeOffset at, string id) => at > At || (at == At && string.CompareOrdinal(id, Id) > 0);

    /// <summary>One page of <paramref name="items"/> after <paramref name="after"/>, and the cursor of the next, if any.</summary>
    public static (IReadOnlyList<T> Items, string? Next) Page<T>(IEnumerable<T> items, Func<T, DateTimeOffset> at, Func<T, string> id, int size, KeysetCursor? after)
    {
        var page = items
            .OrderBy(at).ThenBy(id, StringComparer.Ordinal)
            .Where(item => after is null || after.Value.IsBefore(at(item), id(item)))
            .Take(size + 1)
            .ToList();
        var next = page.Count > size ? new KeysetCursor(at(page[size - 1]), id(page[size - 1])).ToString() : null;
        return (page.Take(size).ToList(), next);
    }
}
