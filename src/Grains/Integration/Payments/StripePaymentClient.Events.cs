using System.Text.Json;
using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Integration.Payments;

/// <summary>WH-6: Stripe's events listed, for those whose webhooks were lost.</summary>
public sealed partial class StripePaymentClient
{
    /// <summary>
    /// Read raw, not through Stripe.net's Event type: Stripe renders each event in the API version it was
    /// created under, and <see cref="StripeEventReader"/> reads only what every version has. After a known
    /// event the page is the one just newer (ending_before), which Stripe returns newest first; without one,
    /// every page since the start is read (starting_after) and turned, so the flows see events in order.
    /// </summary>
    public async Task<StripeEventPage> ListEventsAsync(StripeEventQuery query, CancellationToken cancellationToken = default)
    {
        var types = string.Concat(query.Types.Select(type => $"&types[]={Uri.EscapeDataString(type)}"));
        if (query.After is { } after)
        {
            var (events, _, hasMore) = await EventPageAsync($"/v1/events?limit={EventPageSize}&ending_before={Uri.EscapeDataString(after)}{types}", cancellationToken);
            events.Reverse();
            return new StripeEventPage(events, hasMore);
        }

        var all = new List<string>();
        var created = query.CreatedFrom.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? startingAfter = null;
        while (true)
        {
            var cursor = startingAfter is null ? "" : $"&starting_after={Uri.EscapeDataString(startingAfter)}";
            var (events, oldest, hasMore) = await EventPageAsync($"/v1/events?limit={EventPageSize}&created[gte]={created}{types}{cursor}", cancellationToken);
            all.AddRange(events);
            if (!hasMore || oldest is null)
            {
                all.Reverse();
                return new StripeEventPage(all, false);
            }

            startingAfter = oldest;
        }
    }

    /// <returns>The page's events as Stripe lists them (newest first), the id of its last one, and whether more follow.</returns>
    private async Task<(List<string> Events, string? LastId, bool HasMore)> EventPageAsync(string path, CancellationToken cancellationToken)
    {
        var response = await CallAsync(stripe => stripe.RawRequestAsync(HttpMethod.Get, path, cancellationToken: cancellationToken));
        try
        {
            using var list = JsonDocument.Parse(response.Content);
            var root = list.RootElement;
            var items = root.GetProperty("data").EnumerateArray().ToList();
            var lastId = items.Count == 0 ? null : items[^1].GetProperty("id").GetString();
            return ([.. items.Select(item => item.GetRawText())], lastId,
                root.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.True);
        }
        catch (Exception unreadable) when (unreadable is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new DependencyUnavailableException(ExternalSystem.Stripe, $"stripe answered a list of events that is not one: {unreadable.Message}");
        }
    }
}
