using System.Text.Json;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace CaaS.Silo;

/// <summary>
/// A read model's table (issue 18): rows under a key column, each holding its item as JSON, per
/// Orleans service. Reading and clearing a key are the same for every read model; each adds how a
/// batch of the log is written.
/// </summary>
/// <param name="listed">An extra condition on the rows a key lists, if any.</param>
public abstract class PostgresReadModelTable<T>(string connectionString, IOptions<ClusterOptions> cluster, string table, string keyColumn,
    string itemColumn, JsonSerializerOptions json, string? listed = null) : IReadModelRows<T>
{
    protected string ServiceId => cluster.Value.ServiceId;

    protected async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<IReadOnlyList<T>> ListAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {itemColumn}::text FROM {table} WHERE service_id = @service AND {keyColumn} = @key{(listed is null ? "" : " AND " + listed)}", connection);
        command.Parameters.AddWithValue("service", ServiceId);
        command.Parameters.AddWithValue("key", key);
        var items = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), json) ?? throw new JsonException($"A row of {table} under {key} is stored empty."));
        }

        return items;
    }

    public async Task ClearAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DELETE FROM {table} WHERE service_id = @service AND {keyColumn} = @key", connection);
        command.Parameters.AddWithValue("service", ServiceId);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
