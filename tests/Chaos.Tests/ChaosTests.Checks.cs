using System.Globalization;
using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Chaos.Tests;

/// <summary>What the chaos run checks once healed, each check reading every page of what it asks for, and the left flows' diagnostics.</summary>
public sealed partial class ChaosTests
{
    /// <summary>A flow the run left: its kind and id as the admin API names them, and what is wrong with it.</summary>
    private sealed record LeftFlow(string Kind, string Id, string Why);

    /// <summary>Waits until nothing is left, then answers what is still left at the deadline, without throwing.</summary>
    private static async Task<List<LeftFlow>> SettledOrLeftAsync(Func<Task<List<LeftFlow>>> probe, TimeSpan timeout)
    {
        try
        {
            return await Eventually.Until(probe, left => left.Count == 0, "nothing to be left", timeout);
        }
        catch (TimeoutException)
        {
            return await probe();
        }
    }

    private static async Task<string> WriteLeftFlowsAsync(ChaosRun run, CaaSCalls calls, string ops, IReadOnlyList<LeftFlow> left, string database)
    {
        await using var reminders = Npgsql.NpgsqlDataSource.Create(database);
        var text = new System.Text.StringBuilder("# Flows the chaos run left\n");
        foreach (var flow in left.DistinctBy(flow => (flow.Kind, flow.Id)))
        {
            var field = flow.Kind switch { "rental" => "rental", "servicePurchase" => "servicePurchase", "otaCommand" => "otaCommand", _ => "factoryOrder" };
            var owed = field == "otaCommand" ? "" : "owed { kind key dueAt }";
            var found = CaaSCalls.Data(await calls.GraphQLAsync(ops,
                $"{{ flow: {field}(id: \"{flow.Id}\") {{ history {{ at from to cause traceId actor kind sequence }} {owed} }} }}")).GetProperty("flow");
            text.Append(CultureInfo.InvariantCulture, $"\n## {flow.Kind} {flow.Id}: {flow.Why}\n\n");
            if (found.ValueKind != JsonValueKind.Object)
            {
                text.Append("(the admin API knows no such flow)\n");
                continue;
            }

            foreach (var step in found.GetProperty("history").EnumerateArray())
            {
                var at = step.GetProperty("at").GetDateTimeOffset();
                var faults = run.FaultsAround(at) is { Count: > 0 } around ? string.Join("; ", around) : "none";
                text.Append(CultureInfo.InvariantCulture, $"- {at:O} #{step.GetProperty("sequence")} {step.GetProperty("kind")} {step.GetProperty("from")} -> {step.GetProperty("to")}: "
                    + $"{step.GetProperty("cause")} (actor {step.GetProperty("actor")}, trace {step.GetProperty("traceId")}); faults around: "
                    + $"{faults}\n");
            }

            if (found.TryGetProperty("owed", out var obligations))
            {
                text.Append(CultureInfo.InvariantCulture, $"- still owes: {string.Join(", ", obligations.EnumerateArray().Select(item => $"{item.GetProperty("kind")} {item.GetProperty("key")} {item.GetProperty("dueAt")}"))}\n");
            }

            // Whether anything will ever take up what is owed: the flow's reminders as the reminder table holds them.
            await using var query = reminders.CreateCommand("SELECT reminder_name, start_time, period_ms FROM orleans_reminder WHERE grain_id LIKE '%' || $1");
            query.Parameters.AddWithValue(flow.Id);
            await using var rows = await query.ExecuteReaderAsync();
            var rowsText = new List<string>();
            while (await rows.ReadAsync())
            {
                rowsText.Add($"{rows.GetString(0)} from {rows.GetFieldValue<DateTimeOffset>(1):O} every {rows.GetInt64(2)} ms");
            }

            text.Append(CultureInfo.InvariantCulture, $"- reminders: {(rowsText.Count == 0 ? "none" : string.Join("; ", rowsText))}\n");
        }

        text.Append("\n## Fault timeline\n\n");
        foreach (var (at, fault) in run.Timeline)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {at:O} {fault}\n");
        }

        Directory.CreateDirectory(ReliabilityResults.Directory);
        var path = Path.Combine(ReliabilityResults.Directory, "chaos-left-flows.md");
        await File.WriteAllTextAsync(path, text.ToString());
        return path;
    }

    /// <summary>Each accepted flow's notifications not yet delivered, as "kind id: key", asked of the flows through the admin API in batches.</summary>
    private static async Task<List<LeftFlow>> OwedNotificationsAsync(CaaSCalls calls, string ops, IReadOnlyCollection<AcceptedFlow> accepted)
    {
        var owed = new List<LeftFlow>();
        foreach (var batch in accepted.Chunk(40))
        {
            var fields = batch.Select((flow, i) => flow.Kind switch
            {
                "rental" => $"f{i}: rental(id: \"{flow.Id}\") {{ owed {{ kind key }} }}",
                "servicePurchase" => $"f{i}: servicePurchase(id: \"{flow.Id}\") {{ owed {{ kind key }} }}",
                _ => $"f{i}: factoryOrder(id: \"{flow.Id}\") {{ owed {{ kind key }} }}",
            });
            var data = CaaSCalls.Data(await calls.GraphQLAsync(ops, "{ " + string.Join(" ", fields) + " }"));
            for (var i = 0; i < batch.Length; i++)
            {
                if (data.GetProperty($"f{i}") is { ValueKind: JsonValueKind.Object } flow)
                {
                    owed.AddRange(flow.GetProperty("owed").EnumerateArray()
                        .Where(obligation => obligation.GetProperty("kind").GetString() == "Notify")
                        .Select(obligation => new LeftFlow(batch[i].Kind, batch[i].Id, $"owes notification {obligation.GetProperty("key").GetString()}")));
                }
            }
        }

        return owed;
    }

    private static async Task<List<string>> NotificationDeadLettersAsync(CaaSCalls calls, string ops)
    {
        return [.. (await EveryPageAsync(calls, ops, "deadLetters", "", "id source"))
            .Where(letter => letter.GetProperty("source").GetString() == "notifications")
            .Select(letter => letter.GetProperty("id").GetString()!)];
    }

    /// <summary>The accepted flows neither in a final state nor named by an ops item, each with the state it is in.</summary>
    /// <summary>
    /// Issue 14: revenueReport's totals are what Stripe holds; activeRentals lists exactly the rentals
    /// whose grains say Active or ReturnPending; the analytics list holds every accepted reservation
    /// with its grain's status.
    /// </summary>
    private static async Task<List<LeftFlow>> ReadModelMismatchesAsync(Platform platform, CaaSCalls calls, string ops, string analyst,
        IEnumerable<AcceptedFlow> accepted, DateTimeOffset started)
    {
        var mismatches = new List<LeftFlow>();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var totals = CaaSCalls.Data(await calls.GraphQLAsync(ops, $"{{ revenueReport(from: \"{today.AddDays(-1):yyyy-MM-dd}\", to: \"{today.AddDays(1):yyyy-MM-dd}\") {{ totals {{ captured refunded }} }} }}"))
            .GetProperty("revenueReport").GetProperty("totals");
        var intents = await calls.StripeIntentsAsync();
        var stripeCaptured = intents.Sum(intent => intent.GetProperty("amount_received").GetInt64());
        var stripeRefunded = intents.Sum(intent => intent.GetProperty("refunds").EnumerateArray().Sum(refund => refund.GetProperty("amount").GetInt64()));
        if (totals.GetProperty("captured").GetInt64() != stripeCaptured || totals.GetProperty("refunded").GetInt64() != stripeRefunded)
        {
            mismatches.Add(new LeftFlow("revenueReport", "totals", $"captured {totals.GetProperty("captured")} refunded {totals.GetProperty("refunded")}, "
                + $"Stripe holds captured {stripeCaptured} refunded {stripeRefunded}"));
        }

        var active = (await EveryPageAsync(calls, ops, "activeRentals", "", "id")).Select(item => item.GetProperty("id").GetString()!).ToHashSet();
        var window = $"from={Uri.EscapeDataString(started.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}";
        // Every page: a soak books thousands.
        var analytics = new Dictionary<string, string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await CaaSCalls.ReadAsync(await platform.SendAsync(HttpMethod.Get,
                $"/api/bookings/analytics?{window}&limit=1000{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}", analyst));
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                analytics[item.GetProperty("reservationId").GetString()!] = item.GetProperty("status").GetString()!;
            }

            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        foreach (var rental in accepted.Where(flow => flow.Kind == "rental"))
        {
            var status = (await calls.ReservationAsync(rental.Token, rental.Id)).GetProperty("status").GetString()!;
            if ((status is "Active" or "ReturnPending") != active.Contains(rental.Id))
            {
                mismatches.Add(new LeftFlow("rental", rental.Id, $"{status}, but activeRentals {(active.Contains(rental.Id) ? "lists" : "misses")} it"));
            }

            if (analytics.GetValueOrDefault(rental.Id) != status)
            {
                mismatches.Add(new LeftFlow("rental", rental.Id, $"{status}, but the analytics list says {analytics.GetValueOrDefault(rental.Id) ?? "nothing"}"));
            }
        }

        return mismatches;
    }

    private static async Task<List<LeftFlow>> UnsettledAsync(CaaSCalls calls, string ops, IEnumerable<AcceptedFlow> accepted)
    {
        var named = await OpsItemFlowsAsync(calls, ops);
        var unsettled = new List<LeftFlow>();
        foreach (var flow in accepted.Where(flow => !named.Contains(flow.Id)))
        {
            var state = flow.Kind switch
            {
                "rental" => (await calls.ReservationAsync(flow.Token, flow.Id)).GetProperty("status").GetString()!,
                "servicePurchase" => (await calls.PurchaseAsync(flow.Token, flow.Id)).GetProperty("status").GetString()!,
                _ => (await calls.OrderAsync(flow.Token, flow.Id)).GetProperty("status").GetString()!,
            };
            var settled = flow.Kind switch
            {
                "rental" => FinalRentals.Contains(state),
                "servicePurchase" => FinalPurchases.Contains(state),
                // An order waits on the Factory: settled once it shows what the Factory last said.
                _ => state == flow.Expected,
            };
            if (!settled)
            {
                unsettled.Add(new LeftFlow(flow.Kind, flow.Id, $"{state}, expected {flow.Expected}, and no ops item names it"));
            }
        }

        return unsettled;
    }

    private static async Task<HashSet<string>> OpsItemFlowsAsync(CaaSCalls calls, string ops)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in new[] { "opsAlerts", "supportTickets", "riskItems" })
        {
            named.UnionWith((await EveryPageAsync(calls, ops, list, "", "flowId")).Select(item => item.GetProperty("flowId").GetString()).OfType<string>());
        }

        return named;
    }

    private static async Task<List<LeftFlow>> StuckWithoutOpsItemAsync(CaaSCalls calls, string ops)
    {
        var named = await OpsItemFlowsAsync(calls, ops);
        return [.. (await EveryPageAsync(calls, ops, "stuckFlows", "olderThanSeconds: 60", "id kind state", wrapper: "flows"))
            .Where(flow => !named.Contains(flow.GetProperty("id").GetString()!))
            .Select(flow => new LeftFlow(flow.GetProperty("kind").GetString()!, flow.GetProperty("id").GetString()!,
                $"stuck in {flow.GetProperty("state").GetString()} with no ops item"))];
    }

    /// <summary>
    /// Every item of an admin list, page after page (at most 200 a page): a soak's lists run to
    /// thousands, and a check that read only the first page would report what it never saw.
    /// </summary>
    private static async Task<List<JsonElement>> EveryPageAsync(CaaSCalls calls, string ops, string field, string arguments, string selection, string? wrapper = null)
    {
        var items = new List<JsonElement>();
        string? after = null;
        do
        {
            var args = string.Join(", ", new[] { arguments, "first: 200", after is null ? "" : $"after: \"{after}\"" }.Where(part => part.Length > 0));
            var body = $"items {{ {selection} }} nextCursor";
            var answer = CaaSCalls.Data(await calls.GraphQLAsync(ops, $"{{ {field}({args}) {{ {(wrapper is null ? body : $"{wrapper} {{ {body} }}")} }} }}")).GetProperty(field);
            var page = wrapper is null ? answer : answer.GetProperty(wrapper);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            after = page.GetProperty("nextCursor").ValueKind == JsonValueKind.String ? page.GetProperty("nextCursor").GetString() : null;
        }
        while (after is not null);

        return items;
    }
}
