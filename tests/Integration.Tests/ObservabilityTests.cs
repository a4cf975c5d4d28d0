using System.Net;
using System.Text.Json;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// OBS-1 and OBS-2 on the running platform: what the silo's /metrics serves (the Prometheus exporter,
/// MapCaaSMetrics), that the shipped dashboard and alert rules read only what it serves, and which
/// trace an incoming request joins.
/// </summary>
[Collection(EmbeddedPlatformCollection.Name)]
public sealed class ObservabilityTests(EmbeddedPlatformFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    [Fact]
    public async Task OBS_1_integration_request_duration_has_buckets_from_5_ms_to_60_s_on_the_silos_metrics()
    {
        // The poller's IoT calls are the first external calls a silo makes.
        var scrape = await Eventually.Until(SiloScrapeAsync,
            text => text.Contains("integration_request_duration_seconds_bucket{", StringComparison.Ordinal), "an external call to be measured", Deadline);

        var bounds = Prometheus.BucketBounds(scrape, "integration_request_duration_seconds");

        Assert.Superset(new SortedSet<double> { 0.005, 0.05, 0.25, 1, 5, 60 }, bounds);
        Assert.Equal(0.005, bounds.Min);
        Assert.Equal(60, bounds.Max);
    }

    [Fact]
    public async Task OBS_1_the_poller_histograms_have_explicit_buckets_in_seconds()
    {
        var scrape = await Eventually.Until(SiloScrapeAsync,
            text => text.Contains("iot_poll_round_duration_seconds_bucket{", StringComparison.Ordinal), "a poll round to be measured", Deadline);

        foreach (var histogram in new[] { "iot_poll_lateness_seconds", "iot_poll_round_duration_seconds" })
        {
            var bounds = Prometheus.BucketBounds(scrape, histogram);
            Assert.Superset(new SortedSet<double> { 0.001, 0.01, 0.1, 1, 10, 60 }, bounds);
        }
    }

    [Fact]
    public async Task OBS_1_every_system_has_a_series_for_every_outcome_class_and_reservations_one_for_every_ending()
    {
        var scrape = await SiloScrapeAsync();

        foreach (var system in ExternalSystem.All)
        {
            AssertSeries(scrape, "integration_request_count_total", system, OutcomeClass.All);
            AssertSeries(scrape, "integration_request_errors_total", system, OutcomeClass.Failures);
            AssertSeries(scrape, "integration_retry_count_total", system, OutcomeClass.Failures);
        }

        var endings = Prometheus.LabelSets(scrape, "reservation_count_total").Select(labels => labels.Single(label => label.StartsWith("outcome=", StringComparison.Ordinal)));
        Assert.Superset(new HashSet<string> { "outcome=Confirmed", "outcome=Rejected", "outcome=PaymentFailed", "outcome=Cancelled" }, endings.ToHashSet());
    }

    [Fact]
    public async Task OBS_1_the_dashboard_and_the_alert_rules_read_only_metrics_the_platform_exports()
    {
        var queries = DashboardQueries().Concat(AlertRules().Select(rule => rule.Expression)).ToArray();
        var wanted = queries.SelectMany(Prometheus.MetricsIn).ToHashSet();
        Assert.NotEmpty(wanted);

        // Some series appear only once something happened (an external call, a poll round): wait for them, not for ever.
        var exported = await Eventually.Until(async () => Prometheus.SampleNames(await SiloScrapeAsync()).Union(Prometheus.SampleNames(await ApiScrapeAsync())).ToHashSet(),
            names => wanted.IsSubsetOf(names), "every metric the dashboard and the alerts read", Deadline);

        Assert.Empty(wanted.Except(exported));
        Assert.All(queries, query => Assert.NotEmpty(Prometheus.MetricsIn(query)));
    }

    [Fact]
    public void OBS_1_the_alert_rules_cover_the_seed_thresholds()
    {
        var rules = AlertRules();

        Assert.Contains(rules, rule => rule.Expression.Contains("histogram_quantile(0.95", StringComparison.Ordinal) && rule.Expression.Contains("> 2 *", StringComparison.Ordinal));
        Assert.Contains(rules, rule => rule.Expression.Contains("integration_request_errors_total", StringComparison.Ordinal) && rule.Expression.EndsWith("> 0.05", StringComparison.Ordinal));
        Assert.Contains(rules, rule => rule.Expression.Contains("integration_circuit_state", StringComparison.Ordinal) && rule.Expression.EndsWith("== 1", StringComparison.Ordinal));
        Assert.Contains(rules, rule => rule.Expression.Contains("integration_queue_depth", StringComparison.Ordinal) && rule.Expression.EndsWith("> 1000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OBS_2_an_incoming_X_Trace_Id_is_the_trace_of_the_request_and_of_its_problem_answer()
    {
        var token = await Platform.TokenAsync("cust-trace", "customer");
        var traceId = NewTraceId();

        using var alone = await Platform.SendAsync(HttpMethod.Get, "/api/vehicles/WVWZZZ1JZXW999996", token, headers: new Dictionary<string, string> { ["X-Trace-Id"] = traceId });
        var withParent = NewTraceId();
        using var both = await Platform.SendAsync(HttpMethod.Get, "/api/vehicles/WVWZZZ1JZXW999996", token, headers: new Dictionary<string, string>
        {
            ["X-Trace-Id"] = traceId,
            ["traceparent"] = $"00-{withParent}-b7ad6b7169203331-01",
        });

        Assert.Equal(traceId, await ProblemTraceIdAsync(alone));
        // W3C wins when both are sent.
        Assert.Equal(withParent, await ProblemTraceIdAsync(both));
    }

    [Fact]
    public async Task OBS_2_the_history_entries_a_request_writes_carry_its_X_Trace_Id()
    {
        var (_, token) = await Calls.CustomerAsync();
        var traceId = NewTraceId();

        var placed = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("ES"),
            new Dictionary<string, string> { ["X-Trace-Id"] = traceId }));
        var order = await Calls.OrderAsync(token, placed.GetProperty("orderId").GetString()!);

        var entries = order.GetProperty("history").EnumerateArray().ToArray();
        Assert.NotEmpty(entries);
        Assert.All(entries, entry => Assert.Equal(traceId, entry.GetProperty("traceId").GetString()));
    }

    private static async Task<string?> ProblemTraceIdAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("traceId").GetString();
    }

    private static string NewTraceId() => System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();

    private static void AssertSeries(string scrape, string series, string system, IEnumerable<string> outcomes)
    {
        var present = Prometheus.LabelSets(scrape, series).Where(labels => labels.Contains($"system={system}")).SelectMany(labels => labels).ToHashSet();
        Assert.All(outcomes, outcome => Assert.True(present.Contains($"outcome={outcome}"), $"{series}{{system=\"{system}\",outcome=\"{outcome}\"}} is not exported"));
    }

    private Task<string> SiloScrapeAsync() => Platform.Http.GetStringAsync(new Uri(Platform.Silos[0].HttpUrl + "/metrics"));

    private Task<string> ApiScrapeAsync() => Platform.Http.GetStringAsync(new Uri(Platform.ApiHost.BaseUrl + "/metrics"));

    private static IEnumerable<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "grafana", "caas.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!)
            .ToArray();
        Assert.NotEmpty(queries);
        return queries;
    }

    /// <summary>Every rule of deploy/prometheus/alerts.yml, read line by line: each one's alert and expr stand on one line each.</summary>
    private static IReadOnlyList<(string Alert, string Expression)> AlertRules()
    {
        var rules = new List<(string, string)>();
        string? alert = null;
        foreach (var line in File.ReadLines(Path.Combine(Repository.Root, "deploy", "prometheus", "alerts.yml")).Select(line => line.Trim()))
        {
            if (line.StartsWith("- alert:", StringComparison.Ordinal))
            {
                alert = line["- alert:".Length..].Trim();
            }
            else if (line.StartsWith("expr:", StringComparison.Ordinal))
            {
                Assert.NotNull(alert);
                rules.Add((alert, line["expr:".Length..].Trim()));
                alert = null;
            }
        }

        Assert.NotEmpty(rules);
        return rules;
    }
}
