using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using CaaS.TestSupport;
using CaaS.Silo;
using Orleans.Storage;

namespace CaaS.Integration.Tests;

public sealed partial class SchemaTests
{
    /// <summary>
    /// The providers read their SQL by key; a key missing from our schema fails a silo at start-up.
    /// The list is read from the provider assemblies themselves, so an Orleans upgrade that adds a key
    /// fails here, not in production.
    /// </summary>
    [Fact]
    public async Task Every_query_key_the_Orleans_providers_read_is_in_the_schema()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var present = await database.StringsAsync("SELECT QueryKey FROM OrleansQuery");

        var required = RequiredKeys(typeof(Orleans.Configuration.AdoNetClusteringSiloOptions).Assembly)
            .Concat(RequiredKeys(typeof(Orleans.Configuration.AdoNetReminderTableOptions).Assembly))
            .Concat(StorageKeys())
            .ToArray();

        Assert.Contains("WriteToStorageKey", required);
        Assert.Contains("UpsertReminderRowKey", required);
        Assert.Contains("InsertMembershipKey", required);
        Assert.Empty(required.Except(present));
    }

    [Fact]
    public async Task Migrate_applies_every_script_once_and_a_second_run_is_harmless()
    {
        await using var database = await PostgresDatabase.CreateAsync(migrate: false);

        var first = await RunMigrateAsync(database.ConnectionString);
        var queriesAfterFirst = await database.ScalarAsync<long>("SELECT count(*) FROM OrleansQuery");
        var second = await RunMigrateAsync(database.ConnectionString);

        Assert.Equal(0, first.ExitCode);
        Assert.All(SchemaMigrator.Scripts, script => Assert.Contains(script, first.Output, StringComparison.Ordinal));
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("up to date", second.Output, StringComparison.Ordinal);
        Assert.Equal(queriesAfterFirst, await database.ScalarAsync<long>("SELECT count(*) FROM OrleansQuery"));
        Assert.Equal(SchemaMigrator.Scripts.Count, await database.ScalarAsync<long>("SELECT count(*) FROM caas_schema_version"));
    }

    [Fact]
    public async Task Migrate_without_a_connection_string_explains_itself()
    {
        var run = await RunMigrateAsync(connectionString: null);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ConnectionStrings__Caas", run.Output, StringComparison.Ordinal);
    }

    private static IEnumerable<string> RequiredKeys(Assembly provider)
    {
        var queries = provider.GetTypes().Single(type => type.Name == "DbStoredQueries");
        return queries.GetProperties(BindingFlags.Instance | BindingFlags.NonPublic)
            .Where(property => property.PropertyType == typeof(string))
            .Select(property => property.Name);
    }

    private static IEnumerable<string> StorageKeys()
    {
        var query = (string)typeof(AdoNetGrainStorage)
            .GetField("DefaultInitializationQuery", BindingFlags.Public | BindingFlags.Static)!
            .GetValue(null)!;
        return QuotedKey().Matches(query).Select(match => match.Groups[1].Value);
    }

    private static async Task<(int ExitCode, string Output)> RunMigrateAsync(string? connectionString)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Repository.HostDll("Silo"), "migrate" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("ConnectionStrings__Caas");
        if (connectionString is not null)
        {
            start.Environment["ConnectionStrings__Caas"] = connectionString;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex("'([A-Za-z0-9]+Key)'")]
    private static partial Regex QuotedKey();
}
