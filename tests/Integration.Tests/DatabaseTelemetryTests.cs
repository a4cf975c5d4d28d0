using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>OBS-3 for the database: Npgsql's own instrumentation, on a silo whose state is in PostgreSQL.</summary>
public sealed class DatabaseTelemetryTests
{
    [Fact]
    public async Task Npgsql_metrics_are_exported_with_duration_buckets_in_seconds_from_5_ms()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString);

        // Membership and storage queries start at once; their durations are Npgsql's histograms.
        var scrape = await Eventually.Until(() => platform.Http.GetStringAsync(new Uri(platform.Silos[0].HttpUrl + "/metrics")),
            text => text.Contains("db_client_operation_duration_seconds_bucket{", StringComparison.Ordinal), "Npgsql's command durations",
            TimeSpan.FromSeconds(60));

        Assert.Superset(new SortedSet<double> { 0.005, 0.05, 0.25, 1, 5, 60 }, Prometheus.BucketBounds(scrape, "db_client_operation_duration_seconds"));
        Assert.Contains(Prometheus.SampleNames(scrape), name => name.StartsWith("db_client_connection", StringComparison.Ordinal));
    }
}
