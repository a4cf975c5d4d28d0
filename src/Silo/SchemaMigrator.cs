using System.Reflection;
using CaaS.Hosting;
using Npgsql;

namespace CaaS.Silo;

/// <summary>
/// Applies the project's SQL scripts (Sql/*.sql, embedded) in name order. Each script runs once, in
/// its own transaction, recorded in caas_schema_version; an advisory lock makes two silos started
/// together take turns instead of racing. Running it again applies nothing.
/// </summary>
public static class SchemaMigrator
{
    private const long MigrationLockId = 0x_CAA5_5C4E_4D41;
    private const string ResourcePrefix = "CaaS.Silo.Sql.";

    public static async Task<int> RunAsync(IConfiguration configuration)
    {
        var settings = ClusterSettings.From(configuration);
        if (!settings.UsesPostgres)
        {
            await Console.Error.WriteLineAsync(
                $"migrate needs ConnectionStrings__{ClusterSettings.ConnectionStringName}: the embedded default keeps no schema.");
            return 2;
        }

        var applied = await ApplyAsync(settings.ConnectionString!, CancellationToken.None);
        Console.WriteLine(applied.Count == 0
            ? "schema is up to date"
            : $"applied {string.Join(", ", applied)}");
        return 0;
    }

    public static IReadOnlyList<string> Scripts { get; } = typeof(SchemaMigrator).Assembly.GetManifestResourceNames()
        .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(name => name[ResourcePrefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static async Task<IReadOnlyList<string>> ApplyAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@id)", cancellationToken, ("id", MigrationLockId));
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS caas_schema_version (
                    script     text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = new List<string>();
            foreach (var script in Scripts)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var alreadyApplied = await ScalarAsync(connection, transaction,
                    "SELECT count(*) FROM caas_schema_version WHERE script = @script", cancellationToken, ("script", script));
                if (alreadyApplied > 0)
                {
                    continue;
                }

                await ExecuteAsync(connection, transaction, ReadScript(script), cancellationToken);
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO caas_schema_version (script) VALUES (@script)", cancellationToken, ("script", script));
                await transaction.CommitAsync(cancellationToken);
                applied.Add(script);
            }

            return applied;
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@id)", CancellationToken.None, ("id", MigrationLockId));
        }
    }

    private static string ReadScript(string script)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + script)
            ?? throw new InvalidOperationException($"embedded script {script} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
