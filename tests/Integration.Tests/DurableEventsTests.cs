using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CaaS.Grains.Abstractions.Events;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Integration.Tests;

/// <summary>Issue 14 (ANA-2): the booking events as the embedded default serves them over Server-Sent Events.</summary>
[Collection(EmbeddedPlatformCollection.Name)]
public sealed class BookingEventStreamTests(EmbeddedPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    [Fact]
    public async Task ANA_2_an_SSE_client_that_reconnects_with_Last_Event_ID_gets_every_booking_event_once_as_a_CloudEvent()
    {
        var analytics = await Platform.TokenAsync("forecaster-1", "analytics");
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

        // Without Last-Event-ID the stream starts from now: nothing of the bookings made before it.
        var before = await DurableEvents.BookAsync(Platform, vehicleIndex: 21);
        var first = await SseStream.OpenAsync(http, Platform.ApiHost.BaseUrl, analytics, lastEventId: null);
        var during = await DurableEvents.BookAsync(Platform, vehicleIndex: 22);
        var firstHalf = await first.ReadUntilAsync(events => events.Any(e => e.Subject == during));
        first.Dispose();
        // Booked while nobody listens: must come on the reconnection, right after the last id seen.
        var between = await DurableEvents.BookAsync(Platform, vehicleIndex: 23);
        var second = await SseStream.OpenAsync(http, Platform.ApiHost.BaseUrl, analytics, lastEventId: firstHalf[^1].Id);
        var secondHalf = await second.ReadUntilAsync(events => events.Count(e => e.Subject == between) >= 2);
        second.Dispose();

        var all = firstHalf.Concat(secondHalf).ToList();
        Assert.DoesNotContain(all, e => e.Subject == before);
        Assert.Equal(all.Count, all.Select(e => e.Id).Distinct().Count());
        Assert.True(all.Select(e => long.Parse(e.Id, System.Globalization.CultureInfo.InvariantCulture)).SequenceEqual(
            all.Select(e => long.Parse(e.Id, System.Globalization.CultureInfo.InvariantCulture)).Order()), "positions in log order");

        // No gap: reading the log from the first position seen gives exactly what the two sessions got.
        var whole = await SseStream.OpenAsync(http, Platform.ApiHost.BaseUrl, analytics,
            lastEventId: (long.Parse(all[0].Id, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var replay = await whole.ReadUntilAsync(events => events.Any(e => e.Id == all[^1].Id));
        whole.Dispose();
        Assert.Equal(all.Select(e => e.Id), replay.TakeWhile(e => e.Id != all[^1].Id).Append(replay.First(e => e.Id == all[^1].Id)).Select(e => e.Id));

        // Each data line is a CloudEvent 1.0 that a library written by others reads, with no customer id in it.
        var formatter = new JsonEventFormatter();
        var created = all.First(e => e.Subject == between && e.Type == "caas.booking.created");
        var cloudEvent = formatter.DecodeStructuredModeMessage(Encoding.UTF8.GetBytes(created.Data), new System.Net.Mime.ContentType("application/cloudevents+json"), null);
        Assert.Equal(CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
        Assert.Equal("caas.booking.created", cloudEvent.Type);
        Assert.Equal(between, cloudEvent.Subject);
        Assert.StartsWith("booking/" + between + "/", cloudEvent.Id, StringComparison.Ordinal);
        Assert.NotNull(cloudEvent["traceparent"]);
        var data = JsonDocument.Parse(created.Data).RootElement.GetProperty("data");
        Assert.StartsWith("c_", data.GetProperty("customerRef").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("cust-", created.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANA_2_a_quiet_stream_sends_a_heartbeat_comment_at_its_configured_interval()
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        // Subscribed to the end of the log: nothing but heartbeats comes unless someone books meanwhile.
        using var stream = await SseStream.OpenAsync(http, Platform.ApiHost.BaseUrl, await Platform.TokenAsync("forecaster-3", "analytics"), lastEventId: null);

        Assert.Equal(": heartbeat", await stream.NextCommentAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ANA_2_the_stream_is_the_analytics_roles_and_a_Last_Event_ID_that_is_no_position_is_a_problem()
    {
        using var customer = await Platform.SendAsync(HttpMethod.Get, "/api/bookings/events", await Platform.TokenAsync("cust-sse", "customer"));
        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
        using var bad = await Platform.SendAsync(HttpMethod.Get, "/api/bookings/events", await Platform.TokenAsync("forecaster-2", "analytics"),
            headers: new Dictionary<string, string> { ["Last-Event-ID"] = "booking/res-1/3" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("VALIDATION_FAILED", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}

/// <summary>Issue 14 on real PostgreSQL and a real nats-server: the log survives the silo, outside consumers read it.</summary>
public sealed class DurableEventsTests
{
    [Fact]
    public async Task Issue_14_a_silo_that_dies_between_a_bookings_state_write_and_its_publication_still_gets_the_event_downstream_once()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString, silos: 1, settings: new Dictionary<string, string?>
        {
            ["Rentals__AbandonCreationAfter"] = "00:00:08",
            ["Rentals__GuardPeriod"] = "00:00:03",
            ["Reminders__MinimumReminderPeriod"] = "00:00:03",
        });
        // Armed in the second silo only: the first one carries on whatever the second one started.
        var doomed = platform.StartSilo(new Dictionary<string, string?> { ["Faults__DieBeforePublishing"] = "booking" });
        await doomed.Process.WaitUntilReadyAsync(platform.Http);

        string? interrupted = null;
        for (var attempt = 0; attempt < 40 && interrupted is null; attempt++)
        {
            var (id, created) = await DurableEvents.TryBookAsync(platform, vehicleIndex: attempt % 20);
            if (!created || doomed.Process.HasExited)
            {
                interrupted = id;
            }
        }

        Assert.NotNull(interrupted);
        Assert.True(doomed.Process.HasExited, "the fault point killed the silo that wrote the booking");
        Assert.Contains("fault point", doomed.Process.RecentOutput, StringComparison.Ordinal);

        await using var nats = new NatsConnection(NatsOpts.Default with { Url = platform.Nats!.Url });
        var jetStream = new NatsJSContext(nats);
        var events = await Eventually.Until(() => DurableEvents.ReadSubjectAsync(jetStream, EventSubjects.Booking.SubjectOf(interrupted!)),
            found => found.Any(e => e.Sequence == 1), "the interrupted booking's created event to reach the log from the surviving silo", TimeSpan.FromSeconds(90));
        // Once: every entry of the booking is in the log exactly once, numbered 1, 2, ... without a hole.
        Assert.Equal(events.Select(e => e.Id).Distinct().Count(), events.Count);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(n => (long)n), events.Select(e => e.Sequence));
        Assert.Equal("caas.booking.created", events[0].Type);

        // And the read model downstream of the log holds it, with its grain's status.
        var analytics = await platform.TokenAsync("forecaster-1", "analytics");
        await Eventually.Until(() => DurableEvents.AnalyticsHoldsAsync(platform, analytics, interrupted!), "the analytics list to hold the interrupted booking");
    }

    [Fact]
    public async Task ANA_2_a_forecaster_outside_the_platform_reads_booking_events_with_its_own_durable_consumer_and_may_not_publish()
    {
        var configuration = (await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "nats", "nats.conf")))
            .Replace("store_dir: /data", "", StringComparison.Ordinal)
            .Replace("$CAAS_NATS_PASSWORD", "\"platform-secret\"", StringComparison.Ordinal)
            .Replace("$FORECASTER_NATS_PASSWORD", "\"forecaster-secret\"", StringComparison.Ordinal);
        await using var server = await NatsServer.StartAsync(configuration);
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Events__Nats__Url"] = server.Url,
            ["Events__Nats__User"] = "caas",
            ["Events__Nats__Password"] = "platform-secret",
        });
        var booked = await DurableEvents.BookAsync(platform, vehicleIndex: 3);

        var reader = Process.Start(new ProcessStartInfo("python3")
        {
            ArgumentList = { Path.Combine(Repository.Root, "tools", "forecaster", "read_bookings.py"), server.Url, "forecaster", "forecaster-secret", "--expect", "2", "--try-publish" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await reader.StandardOutput.ReadToEndAsync();
        await reader.WaitForExitAsync();
        Assert.True(reader.ExitCode == 0, output + await reader.StandardError.ReadToEndAsync());
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => line.StartsWith('{') && JsonDocument.Parse(line).RootElement.GetProperty("subject").GetString() == booked
            && JsonDocument.Parse(line).RootElement.GetProperty("type").GetString() == "caas.booking.created");
        Assert.All(lines.Where(line => line.StartsWith('{')), line => Assert.StartsWith("caas.booking.", JsonDocument.Parse(line).RootElement.GetProperty("type").GetString(), StringComparison.Ordinal));
        Assert.Contains("PUBLISH_REFUSED", lines);
    }
}

/// <summary>Issue 14 point 4: a read model rebuilt after the log no longer holds what built it.</summary>
public sealed class ReadModelRebuildTests
{
    [Fact]
    public async Task Issue_14_a_read_model_rebuilt_after_the_log_lost_its_events_is_filled_again_from_the_flows_own_state()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString);
        var booked = await DurableEvents.BookAsync(platform, vehicleIndex: 4);
        var analytics = await platform.TokenAsync("forecaster-1", "analytics");
        await Eventually.Until(() => DurableEvents.AnalyticsHoldsAsync(platform, analytics, booked), "the booking to reach the analytics list");

        // As if the retention had passed: the log keeps nothing of it any more.
        await using (var nats = new NatsConnection(NatsOpts.Default with { Url = platform.Nats!.Url }))
        {
            await new NatsJSContext(nats).PurgeStreamAsync(EventSubjects.Stream, new StreamPurgeRequest());
        }

        var ops = await platform.TokenAsync("ops-1", "ops");
        using var rebuilt = await platform.SendAsync(HttpMethod.Post, "/graphql", ops, new { query = "mutation { rebuildReadModel(name: \"booking-days\") }" });
        var answer = await rebuilt.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("data").GetProperty("rebuildReadModel").GetInt32() >= 1, answer.ToString());

        await Eventually.Until(() => DurableEvents.AnalyticsHoldsAsync(platform, analytics, booked), "the rebuilt analytics list to hold the booking again");
        using var unknown = await platform.SendAsync(HttpMethod.Post, "/graphql", ops, new { query = "mutation { rebuildReadModel(name: \"everything\") }" });
        Assert.Equal("VALIDATION_FAILED", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }
}

/// <summary>FLT-1..3 as Pub/Sub (issue 14 point 6): Fleet Management's events on its own JetStream stream.</summary>
public sealed class FleetEventStreamTests
{
    [Fact]
    public async Task FLT_1_2_3_a_fleet_event_on_JetStream_blocks_a_timeslot_and_the_same_event_twice_or_an_older_one_after_a_newer_changes_nothing()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString, fleetEventsOnJetStream: true);
        using var client = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var fleet = await platform.Http.GetFromJsonAsync<JsonElement>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles"));
        var vin = fleet[5].GetProperty("vin").GetString()!;
        var vehicle = grains.GetGrain<CaaS.Grains.Abstractions.IVehicleGrain>(vin);

        var from = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(40), TimeSpan.Zero);
        var streamed = await PublishAsync(platform, new { type = "MaintenanceScheduled", vin, from, to = from.AddDays(1), eventId = "evt-maint-1" });
        Assert.Equal(1, streamed.GetProperty("streamed").GetInt32());
        Assert.Empty(streamed.GetProperty("deliveries").EnumerateArray());
        await Eventually.Until(async () => (await vehicle.GetTimeslotsAsync()).Any(slot => slot.Kind == CaaS.Grains.Abstractions.TimeslotKind.Maintenance && slot.From == from),
            "the streamed maintenance to block its timeslot");

        var newer = DateTimeOffset.UtcNow.AddMinutes(-1);
        await PublishAsync(platform, new { type = "VehicleStatusChanged", vin, status = "Maintenance", occurredAt = newer, eventId = "evt-status-2", duplicate = true });
        await Eventually.Until(async () => (await vehicle.GetAsync())?.Status == CaaS.Grains.Abstractions.VehicleStatus.Maintenance, "the streamed status to reach the vehicle");
        // Older than what the vehicle knows: applied, acknowledged, and changes nothing (FLT-3).
        await PublishAsync(platform, new { type = "VehicleStatusChanged", vin, status = "Available", occurredAt = newer.AddMinutes(-5), eventId = "evt-status-1" });
        await Eventually.Until(() => ConsumerPendingAsync(platform), pending => pending == 0, "the platform's fleet consumer to acknowledge every message");

        var seen = await vehicle.GetAsync();
        Assert.Equal(CaaS.Grains.Abstractions.VehicleStatus.Maintenance, seen!.Status);
        Assert.Single(await vehicle.GetTimeslotsAsync(), slot => slot.Kind == CaaS.Grains.Abstractions.TimeslotKind.Maintenance);
        Assert.Single(seen.History, entry => entry.To == nameof(CaaS.Grains.Abstractions.VehicleStatus.Maintenance));
    }

    private static async Task<JsonElement> PublishAsync(Platform platform, object fleetEvent)
    {
        using var response = await platform.Http.PostAsJsonAsync(new Uri(platform.Sandbox.BaseUrl + "/sandbox/fleet/events"), fleetEvent);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Messages of the fleet stream the platform's durable consumer has not acknowledged (delivered or not yet).</summary>
    private static async Task<long> ConsumerPendingAsync(Platform platform)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = platform.Nats!.Url });
        var consumer = await new NatsJSContext(nats).GetConsumerAsync("FLEET", CaaS.Grains.Events.FleetEventsConsumer.ConsumerName);
        return (long)consumer.Info.NumPending + consumer.Info.NumAckPending;
    }
}

internal static class DurableEvents
{
    public static async Task<bool> AnalyticsHoldsAsync(Platform platform, string token, string reservationId)
    {
        var window = $"from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}";
        using var page = await platform.SendAsync(HttpMethod.Get, $"/api/bookings/analytics?{window}&limit=1000", token);
        return (await page.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()
            .Any(item => item.GetProperty("reservationId").GetString() == reservationId);
    }

    public static async Task<string> BookAsync(Platform platform, int vehicleIndex)
    {
        var (id, created) = await TryBookAsync(platform, vehicleIndex);
        Assert.True(created, $"reservation {id} was created");
        return id;
    }

    /// <returns>the reservation's id (derived from the customer and the Idempotency-Key, as the API host derives it) and whether it was created.</returns>
    public static async Task<(string Id, bool Created)> TryBookAsync(Platform platform, int vehicleIndex)
    {
        var customer = "cust-ev-" + Guid.NewGuid().ToString("N")[..8];
        var key = "key-" + Guid.NewGuid().ToString("N")[..8];
        var token = await platform.TokenAsync(customer, "customer");
        var fleet = await platform.Http.GetFromJsonAsync<JsonElement>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles"));
        var vehicleId = fleet[vehicleIndex].GetProperty("vehicleId").GetString()!;
        // A day of its own far ahead, so bookings of other tests on the shared platform never overlap it.
        var startsAt = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(20 + Random.Shared.Next(150)).AddHours(Random.Shared.Next(20)), TimeSpan.Zero);
        var id = "res-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{customer}\n{key}")))[..32];
        try
        {
            using var response = await platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
                new { vehicleId, startsAt, endsAt = startsAt.AddHours(1), paymentMethodId = "pm_card_visa" },
                new Dictionary<string, string> { ["Idempotency-Key"] = key });
            return (id, response.StatusCode == HttpStatusCode.Created);
        }
        catch (HttpRequestException)
        {
            return (id, false);
        }
        catch (TaskCanceledException)
        {
            return (id, false);
        }
    }

    public static async Task<IReadOnlyList<CaaSEvent>> ReadSubjectAsync(INatsJSContext jetStream, string subject)
    {
        var events = new List<CaaSEvent>();
        try
        {
            var reader = await jetStream.CreateOrUpdateConsumerAsync(EventSubjects.Stream, new ConsumerConfig("test-" + Guid.NewGuid().ToString("N"))
            {
                FilterSubject = subject,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                AckPolicy = ConsumerConfigAckPolicy.None,
                InactiveThreshold = TimeSpan.FromSeconds(30),
            });
            await foreach (var message in reader.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 100 }))
            {
                events.Add(CloudEventJson.Parse(message.Data ?? [], message.Subject));
            }

            await jetStream.DeleteConsumerAsync(EventSubjects.Stream, reader.Info.Name);
        }
        catch (NatsJSApiException missing) when (missing.Error.Code == 404)
        {
            // The stream is created with the first publication.
        }

        return events;
    }
}

/// <summary>A Server-Sent Events client reading <c>/api/bookings/events</c> line by line.</summary>
internal sealed class SseStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public sealed record Event(string Id, string Type, string Data, string Subject);

    public static async Task<SseStream> OpenAsync(HttpClient http, string baseUrl, string token, string? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl + "/api/bookings/events"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        // The stream's first comment is written once the position it starts from is known.
        Assert.StartsWith(":", await reader.ReadLineAsync());
        return new SseStream(response, reader);
    }

    /// <summary>The next comment line (a heartbeat), skipping any event in between.</summary>
    public async Task<string> NextCommentAsync(TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        while (true)
        {
            var line = await _reader.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith(':'))
            {
                return line;
            }
        }
    }

    public async Task<List<Event>> ReadUntilAsync(Func<List<Event>, bool> enough)
    {
        var events = new List<Event>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? id = null, type = null, data = null;
        while (!enough(events))
        {
            var line = await _reader.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("the stream ended");
            if (line.Length == 0)
            {
                if (id is not null && type is not null && data is not null)
                {
                    events.Add(new Event(id, type, data, JsonDocument.Parse(data).RootElement.GetProperty("subject").GetString()!));
                }

                (id, type, data) = (null, null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        return events;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}

/// <summary>Issue 20's way for issue 14's causes: each loss the chaos suite found, reproduced every time.</summary>
public sealed class EventLogReaderTests
{
    [Fact]
    public async Task Issue_14_a_reader_that_dies_with_a_batch_unacknowledged_loses_none_of_it_though_its_successor_acknowledges_later_events_first()
    {
        await using var server = await NatsServer.StartAsync();
        var options = new StaticOptions<CaaS.Grains.Events.EventsOptions>(new CaaS.Grains.Events.EventsOptions
        {
            Nats = new CaaS.Grains.Events.NatsOptions { Url = server.Url },
            // Long enough that the successor's first fetch comes before the dead reader's events are due again.
            AckWait = TimeSpan.FromSeconds(5),
        });
        var events = Enumerable.Range(1, 3).Select(n => EventSubjects.Booking.Event("res-reader", n, "created", DateTimeOffset.UtcNow, "{}", null)).ToList();

        var dying = new CaaS.Grains.Events.JetStreamEventLog(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<CaaS.Grains.Events.JetStreamEventLog>.Instance);
        await dying.PublishAsync(events[..2]);
        Assert.Equal(2, (await dying.FetchAsync("reader-test", EventSubjects.Bookings, 10, TimeSpan.FromSeconds(1))).Count);
        // It dies here: the two events were delivered to it and never acknowledged.
        await dying.DisposeAsync();

        await using var successor = new CaaS.Grains.Events.JetStreamEventLog(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<CaaS.Grains.Events.JetStreamEventLog>.Instance);
        await successor.PublishAsync(events[2..]);
        var first = await successor.FetchAsync("reader-test", EventSubjects.Bookings, 10, TimeSpan.FromSeconds(1));
        Assert.Equal([3L], first.Select(logged => logged.Event.Sequence));
        await successor.AckAsync("reader-test", first[^1].Position);

        // After the ack wait the dead reader's events come again: acknowledging the third did not take them along.
        var again = await Eventually.Until(() => successor.FetchAsync("reader-test", EventSubjects.Bookings, 10, TimeSpan.FromSeconds(1)),
            batch => batch.Count > 0, "the unacknowledged events to be delivered again", TimeSpan.FromSeconds(20));
        Assert.Equal([1L, 2L], again.Select(logged => logged.Event.Sequence).Order());
    }
}
