using CaaS.Grains.Events;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace CaaS.Silo;

/// <summary>
/// The outbox sweep's question put to grain storage: which flow states were written in a span of
/// time (by the index of 0005_outbox_sweep.sql). Only the four flow kinds; a vehicle is activated by
/// the poller within a round, which publishes what its outbox holds.
/// </summary>
public sealed class PostgresWrittenFlows(string connectionString, IOptions<ClusterOptions> cluster) : IRecentlyWrittenFlows
{
    private static readonly string[] FlowStates = ["reservation", "factory-order", "service-purchase", "ota-command"];

    public async Task<IReadOnlyList<WrittenFlow>> WrittenAsync(DateTimeOffset after, DateTimeOffset through, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT grain_type, grain_key FROM orleans_grain_state
             WHERE service_id = @service AND modified_at > @after AND modified_at <= @through AND grain_type = ANY(@types)
            """, connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("through", through);
        command.Parameters.AddWithValue("types", FlowStates);
        var flows = new List<WrittenFlow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            flows.Add(new WrittenFlow(reader.GetString(0), reader.GetString(1)));
        }

        return flows;
    }

    public async Task<IReadOnlyList<(string Key, DateTimeOffset WrittenAt)>> LastWrittenAsync(string stateName, DateTimeOffset from, DateTimeOffset through, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT grain_key, modified_at FROM orleans_grain_state
             WHERE service_id = @service AND modified_at >= @from AND modified_at <= @through AND grain_type = @type
             ORDER BY modified_at LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("through", through);
        command.Parameters.AddWithValue("type", stateName);
        command.Parameters.AddWithValue("limit", limit);
        var states = new List<(string, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            states.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return states;
    }
}
