using System.Text.Json;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace CaaS.Silo;

/// <summary>
/// The flow index in the table of 0007_flow_index.sql: a batch is one statement over just its flows,
/// guarded as <see cref="FlowIndexing.Apply"/> is (by sequence, by time where a word has none).
/// </summary>
public sealed class PostgresFlowIndexRows(string connectionString, IOptions<ClusterOptions> cluster)
    : PostgresReadModelTable<FlowMoved>(connectionString, cluster, "caas_flow_index", "index_key", "flow", Json, listed: "NOT finished"), IFlowIndexRows
{
    /// <summary>Every tick of a moment kept, so a row read back equals the flow's own word on it.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task ApplyAsync(IReadOnlyList<FlowMoved> moves, DateTimeOffset forgetFinishedBefore, CancellationToken cancellationToken = default)
    {
        if (moves.Count == 0)
        {
            return;
        }

        var newest = FlowIndexRows.NewestOf(moves);
        await using var connection = await OpenAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO caas_flow_index AS stored (service_id, index_key, flow_id, sequence, moved_at, finished, flow)
            SELECT $1, row.index_key, row.flow_id, row.sequence, row.moved_at, row.finished, row.flow::json
              FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::boolean[], $7::text[])
                   AS row (index_key, flow_id, sequence, moved_at, finished, flow)
            ON CONFLICT (service_id, index_key, flow_id) DO UPDATE
               SET sequence = excluded.sequence, moved_at = excluded.moved_at, finished = excluded.finished, flow = excluded.flow
             WHERE CASE WHEN excluded.sequence > 0 AND stored.sequence > 0 THEN excluded.sequence > stored.sequence
                        ELSE excluded.moved_at >= stored.moved_at END
               AND stored.flow::text IS DISTINCT FROM excluded.flow::text
            """);
        upsert.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        upsert.Parameters.Add(new NpgsqlParameter { Value = newest.Select(moved => FlowIndex.KeyOf(moved.Kind, moved.FlowId)).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = newest.Select(moved => moved.FlowId).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = newest.Select(moved => moved.Sequence).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = newest.Select(moved => moved.MovedAt.ToUniversalTime()).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = newest.Select(moved => moved.Finished).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = newest.Select(moved => JsonSerializer.Serialize(moved, Json)).ToArray() });
        batch.BatchCommands.Add(upsert);
        if (newest.Any(moved => moved.Finished))
        {
            var forget = new NpgsqlBatchCommand("DELETE FROM caas_flow_index WHERE service_id = $1 AND finished AND moved_at < $2");
            forget.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            forget.Parameters.Add(new NpgsqlParameter { Value = forgetFinishedBefore.ToUniversalTime() });
            batch.BatchCommands.Add(forget);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
