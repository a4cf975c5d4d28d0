using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Npgsql;

namespace CaaS.Integration.Tests;

/// <summary>SEC-7: a webhook's body goes after the retention even when nothing calls its inbox again.</summary>
public sealed class WebhookRetentionSweepTests
{
    [Fact]
    public async Task SEC_7_the_body_of_a_processed_webhook_nothing_calls_again_is_dropped_after_the_retention_and_its_id_still_refuses_a_replay()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Webhooks__BodyRetention"] = "00:00:05",
            ["Webhooks__RetentionSweepEvery"] = "00:00:03",
            ["Reminders__MinimumReminderPeriod"] = "00:00:03",
        });
        var calls = new CaaSCalls(platform);
        var (_, vin) = await calls.FleetVehicleAsync(9);
        var eventId = "evt-retention-" + Guid.NewGuid().ToString("N")[..12];
        var body = JsonSerializer.Serialize(new { eventId, type = "VehicleStatusChanged", vin, occurredAt = DateTimeOffset.UtcNow, status = "Maintenance" });

        using (var first = await calls.SendFleetAsync(body, eventId, DateTimeOffset.UtcNow))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Assert.True(await InboxHoldsAsync(database, eventId), "the inbox keeps the body while the retention runs");
        // Nothing calls that inbox again: the sweep finds it in storage once its retention has passed.
        await Eventually.Until(async () => !await InboxHoldsAsync(database, eventId), "the sweep to drop the body", TimeSpan.FromSeconds(60));

        using var replayed = await calls.SendFleetAsync(body, eventId, DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Equal("duplicate", (await replayed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    /// <summary>Whether the inbox's stored state still carries the body: the event id appears in it only there.</summary>
    private static async Task<bool> InboxHoldsAsync(PostgresDatabase database, string eventId)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT payload FROM orleans_grain_state WHERE grain_type = 'inbox' AND grain_key = @key", connection);
        command.Parameters.AddWithValue("key", "fleet:" + eventId);
        var payload = (byte[]?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no inbox was stored for {eventId}");
        return payload.AsSpan().IndexOf(Encoding.UTF8.GetBytes(eventId)) >= 0;
    }
}
