using System.Text.Json;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Analytics;
using CaaS.Grains.Events;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace CaaS.Silo;

/// <summary>ANA-1's booking days in the table of 0006_booking_days.sql: a batch is one statement over just its rows.</summary>
public sealed class PostgresBookingDayRows(string connectionString, IOptions<ClusterOptions> cluster)
    : PostgresReadModelTable<AnalyticsExport>(connectionString, cluster, "caas_booking_day", "day_key", "booking", EventJson.Options), IBookingDayRows
{
    public async Task UpsertAsync(IReadOnlyList<BookingDayRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO caas_booking_day AS stored (service_id, day_key, reservation_id, sequence, booking)
            SELECT @service, row.day_key, row.reservation_id, row.sequence, row.booking::json
              FROM unnest(@days, @reservations, @sequences, @bookings) AS row (day_key, reservation_id, sequence, booking)
            ON CONFLICT (service_id, day_key, reservation_id) DO UPDATE
               SET sequence = excluded.sequence, booking = excluded.booking
             WHERE stored.sequence < excluded.sequence
            """, connection);
        command.Parameters.AddWithValue("service", ServiceId);
        command.Parameters.AddWithValue("days", rows.Select(row => row.Day).ToArray());
        command.Parameters.AddWithValue("reservations", rows.Select(row => row.Booking.Booking.ReservationId).ToArray());
        command.Parameters.AddWithValue("sequences", rows.Select(row => row.Booking.Sequence).ToArray());
        command.Parameters.AddWithValue("bookings", rows.Select(row => JsonSerializer.Serialize(row.Booking.Booking, EventJson.Options)).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
