using System.Text.Json;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Analytics;
using CaaS.Grains.Events;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace CaaS.Silo;

/// <summary>ANA-1's booking days in the table of 0006_booking_days.sql: a batch is one statement over just its rows.</summary>
public sealed class PostgresBookingDayRows(string connectionString, IOptions<ClusterOptions> cluster) : IBookingDayRows
{
    public async Task UpsertAsync(IReadOnlyList<BookingDayRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO caas_booking_day AS stored (service_id, day_key, reservation_id, sequence, booking)
            SELECT @service, row.day_key, row.reservation_id, row.sequence, row.booking::json
              FROM unnest(@days, @reservations, @sequences, @bookings) AS row (day_key, reservation_id, sequence, booking)
            ON CONFLICT (service_id, day_key, reservation_id) DO UPDATE
               SET sequence = excluded.sequence, booking = excluded.booking
             WHERE stored.sequence < excluded.sequence
            """, connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        command.Parameters.AddWithValue("days", rows.Select(row => row.Day).ToArray());
        command.Parameters.AddWithValue("reservations", rows.Select(row => row.Booking.Booking.ReservationId).ToArray());
        command.Parameters.AddWithValue("sequences", rows.Select(row => row.Booking.Sequence).ToArray());
        command.Parameters.AddWithValue("bookings", rows.Select(row => JsonSerializer.Serialize(row.Booking.Booking, EventJson.Options)).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AnalyticsExport>> ListAsync(string day, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT booking::text FROM caas_booking_day WHERE service_id = @service AND day_key = @day", connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        command.Parameters.AddWithValue("day", day);
        var bookings = new List<AnalyticsExport>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            bookings.Add(JsonSerializer.Deserialize<AnalyticsExport>(reader.GetString(0), EventJson.Options)
                ?? throw new JsonException($"A booking of {day} is stored empty."));
        }

        return bookings;
    }

    public async Task ClearAsync(string day, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM caas_booking_day WHERE service_id = @service AND day_key = @day", connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        command.Parameters.AddWithValue("day", day);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
