namespace CaaS.TestSupport;

/// <summary>Waits for a condition with a deadline: the only way these tests wait for anything.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var last = default(T);
        Exception? lastError = null;
        var pause = TimeSpan.FromMilliseconds(50);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                lastError = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception exception) when (exception is not GiveUpException)
            {
                lastError = exception;
            }

            await Task.Delay(pause);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 500));
        }

        throw new TimeoutException($"Gave up waiting for {what}; last value: {Describe(last)}", lastError);
    }

    /// <summary>A collection item by item, so a failure names what was left, not the collection's type.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "null",
        string text => text,
        System.Collections.IDictionary map => Lines(map.Keys.Cast<object?>().Select(key => $"{key}: {Describe(map[key!])}"), map.Count),
        System.Collections.IEnumerable items when value is not System.Text.Json.JsonElement => Lines(items.Cast<object?>().Select(Describe), null),
        _ => value.ToString() ?? "",
    };

    private static string Lines(IEnumerable<string> items, int? count)
    {
        var listed = items.ToList();
        return listed.Count == 0 ? "(none)" : $"{count ?? listed.Count} item(s):" + string.Concat(listed.Select(item => "\n  - " + item));
    }

    public static Task Until(Func<Task<bool>> probe, string what, TimeSpan? timeout = null) =>
        Until(probe, ok => ok, what, timeout);
}

/// <summary>Thrown by a probe that knows waiting longer cannot help (the process it waits for died).</summary>
public sealed class GiveUpException(string message) : Exception(message);
