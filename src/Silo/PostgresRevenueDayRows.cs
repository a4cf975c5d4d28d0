using System.Text.Json;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Events;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace CaaS.Silo;

/// <summary>ADM-4's revenue days in the table of 0008_revenue_days.sql: a batch is one statement over just its movements.</summary>
public sealed class PostgresRevenueDayRows(string connectionString, IOptions<ClusterOptions> cluster)
    : PostgresReadModelTable<MoneyMoved>(connectionString, cluster, "caas_revenue_day", "day_key", "movement", EventJson.Options), IRevenueDayRows
{
    public async Task RecordAsync(IReadOnlyList<MoneyMoved> movements, CancellationToken cancellationToken = default)
    {
        if (movements.Count == 0)
        {
            return;
        }

        // In key order, so writers cannot deadlock each other; a movement twice in one batch is kept once.
        var ordered = movements.OrderBy(moved => RevenueStreams.DayKey(moved.At), StringComparer.Ordinal)
            .ThenBy(moved => moved.MovementId, StringComparer.Ordinal).ToList();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO caas_revenue_day (service_id, day_key, movement_id, movement)
            SELECT @service, row.day_key, row.movement_id, row.movement::json
              FROM unnest(@days, @movements, @bodies) AS row (day_key, movement_id, movement)
            ON CONFLICT (service_id, day_key, movement_id) DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("service", ServiceId);
        command.Parameters.AddWithValue("days", ordered.Select(moved => RevenueStreams.DayKey(moved.At)).ToArray());
        command.Parameters.AddWithValue("movements", ordered.Select(moved => moved.MovementId).ToArray());
        command.Parameters.AddWithValue("bodies", ordered.Select(moved => JsonSerializer.Serialize(moved, EventJson.Options)).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
