using System.Text.Json;
using System.Text.Json.Nodes;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests.Support;

/// <summary>
/// The reliability suites' figures (cases tried, how they were answered) as JSON files CI keeps: in
/// CAAS_RELIABILITY_DIR when set, else &lt;repo&gt;/.test-results/reliability. Several tests share a
/// file, each under its own section, so one test's run does not erase another's figures.
/// </summary>
public static class ReliabilityResults
{
    private static readonly Lock Gate = new();

    public static string Directory =>
        Environment.GetEnvironmentVariable("CAAS_RELIABILITY_DIR") is { Length: > 0 } directory
            ? directory
            : Path.Combine(Repository.Root, ".test-results", "reliability");

    /// <returns>the file written.</returns>
    public static string Record(string file, string section, object figures)
    {
        lock (Gate)
        {
            System.IO.Directory.CreateDirectory(Directory);
            var path = Path.Combine(Directory, file);
            var root = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject existing ? existing : [];
            root[section] = JsonSerializer.SerializeToNode(figures, JsonSerializerOptions.Web);
            root[section]!["recordedAt"] = DateTimeOffset.UtcNow.ToString("O");
            File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true }));
            File.WriteAllText(Path.Combine(Directory, "summary.md"), Summary());
            return path;
        }
    }

    /// <summary>
    /// The reliability suites' headline figures as README's reliability section shows them (./test.sh
    /// reliability puts this file there); a suite that did not run leaves its rows out.
    /// </summary>
    private static string Summary()
    {
        JsonNode? Read(string file, string section) =>
            File.Exists(Path.Combine(Directory, file)) ? JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, file)))?[section] : null;

        var rows = new List<(string Figure, string Value)>();
        if (Read("chaos.json", "chaos") is { } chaos)
        {
            var faults = chaos["faults"]!.AsObject();
            long Sum(Func<string, bool> which) => faults.Where(fault => which(fault.Key)).Sum(fault => fault.Value!.GetValue<long>());
            rows.Add(("chaos: seconds of faults (seed)", $"{chaos["faultySeconds"]} s ({chaos["seed"]}), {chaos["runSeconds"]} s in all"));
            rows.Add(("chaos: faults injected", $"{chaos["faultsInjected"]}: {Sum(key => key.StartsWith("silo", StringComparison.Ordinal))} silo SIGKILLs, "
                + $"{Sum(key => key.StartsWith("PostgreSQL", StringComparison.Ordinal))} PostgreSQL restarts, "
                + $"{Sum(key => key.EndsWith(" down", StringComparison.Ordinal) || key.EndsWith(" slow", StringComparison.Ordinal) || key.EndsWith(" timeout", StringComparison.Ordinal) || key.EndsWith(" flaky", StringComparison.Ordinal))} external-system faults, "
                + $"{Sum(key => key.Contains("webhook", StringComparison.Ordinal) || key.Contains("event", StringComparison.Ordinal))} webhooks duplicated, reordered or replayed"));
            rows.Add(("chaos: requests made (5xx and broken connections retried)", $"{chaos["requests"]} ({chaos["serverErrorsRetried"]}, {chaos["brokenConnectionsRetried"]})"));
            rows.Add(("chaos: requests accepted, left without a final state or ops item", $"{chaos["accepted"]}, {chaos["unsettled"]}"));
            rows.Add(("chaos: contested bookings, given to two customers", $"{chaos["contests"]}, {chaos["contestsWithTwoWinners"]}"));
            rows.Add(("chaos: PaymentIntents reconciled, mismatches found", $"{chaos["paymentIntentsReconciled"]}, {chaos["mismatches"]}"));
            rows.Add(("chaos: stuck flows", $"{chaos["stuckFlows"]}"));
            if (chaos["moneyChecks"] is JsonObject moneyChecks)
            {
                rows.Add(($"chaos: {string.Join(", ", moneyChecks.Select(check => check.Key))} (holds, debts, fine refunds in the reconciler)",
                    string.Join(", ", moneyChecks.Select(check => check.Value!.ToString()))));
            }

            // Issue 20 point 4: which of the other issues' strictness the run had on.
            if (chaos["readModelMismatches"] is { } readModels)
            {
                rows.Add(("chaos: read models disagreeing with the flows or Stripe", $"{readModels}"));
            }

            if (chaos["eventLog"] is { } eventLog)
            {
                rows.Add(("chaos: event log", $"{eventLog}"));
            }
        }

        if (Read("bad-input.json", "badInput") is { } badInput)
        {
            rows.Add(("bad inputs tried (seed)", $"{badInput["casesTried"]} ({badInput["seed"]})"));
            rows.Add(("bad inputs: 5xx answers, state changes", $"{badInput["answered5xx"]}, {badInput["stateChanges"]}"));
        }

        if (Read("security.json", "endpoints") is { } endpoints)
        {
            rows.Add(("security: endpoint refusals (routes), state changes", $"{endpoints["refusals"]} ({endpoints["routes"]}), {endpoints["stateChanges"]}"));
        }

        var lines = new List<string> { "| figure | value |", "|---|---|" };
        lines.AddRange(rows.Select(row => $"| {row.Figure} | {row.Value} |"));
        lines.Add("");
        // test.sh names its mode and commit, so a soak's figures say which run and which code they are.
        var source = Environment.GetEnvironmentVariable("CAAS_RELIABILITY_SOURCE") is { Length: > 0 } named ? named : "`./test.sh reliability`";
        lines.Add($"Generated {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC by {source}.");
        return string.Join('\n', lines) + "\n";
    }
}
