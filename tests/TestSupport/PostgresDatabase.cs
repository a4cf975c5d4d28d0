using CaaS.Silo;
using Npgsql;

namespace CaaS.TestSupport;

/// <summary>
/// A fresh database on the PostgreSQL server ./test.sh started (CAAS_TEST_POSTGRES), dropped again
/// afterwards, so every fixture starts from an empty schema.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private const string ServerVariable = "CAAS_TEST_POSTGRES";

    private readonly string _serverConnectionString;

    private PostgresDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <param name="server">A server connection string; CAAS_TEST_POSTGRES when null (the benchmark runner passes its own).</param>
    public static async Task<PostgresDatabase> CreateAsync(bool migrate = true, string? server = null)
    {
        server ??= Environment.GetEnvironmentVariable(ServerVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            throw new InvalidOperationException(
                $"{ServerVariable} is not set. Run ./test.sh, which installs and starts PostgreSQL and sets it.");
        }

        var database = new PostgresDatabase(server, "caas_" + Guid.NewGuid().ToString("N")[..12]);
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database.Name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        if (migrate)
        {
            await SchemaMigrator.ApplyAsync(database.ConnectionString, CancellationToken.None);
        }

        return database;
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<IReadOnlyList<string>> StringsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
