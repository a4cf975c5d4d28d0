using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using CaaS.TestSupport;
using Microsoft.Extensions.Configuration;

namespace CaaS.Bench.Scenarios;

/// <summary>
/// The mobile app's and the Factory's calls over HTTP, end to end through the API host, the silo,
/// PostgreSQL and the sandbox (which answers at once: no fault is set).
/// </summary>
public sealed class HttpScenarios(BenchSettings settings, Report report, BenchPlatform platform)
{
    private const int CreateWorkers = 16;
    private const int ReadWorkers = 64;
    private const int WebhookWorkers = 32;
    private const int MaxInFlight = 256;
    private const int SetupConcurrency = 16;
    private const string WebhookPath = "/webhooks/factory/status";

    private readonly ConcurrentBag<(string Id, string Token)> _reservations = [];
    private readonly DateTimeOffset _firstDay = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(2);
    private string[] _tokens = [];

    private Uri LiveUrl => new(platform.Platform.ApiHost.BaseUrl + "/health/live");
    private long _nextReservation = -1;

    /// <summary>
    /// The platform these scenarios need: a rental fleet to spread bookings over, and the rate limits out of the way: the
    /// webhook one (WH-5) and the customer ones (SEC-8), since a few customers make the load of thousands.
    /// </summary>
    public static Dictionary<string, string?> PlatformSettings(BenchSettings settings) => new()
    {
        ["Sandbox__FleetSize"] = settings.RentalFleet.ToString(CultureInfo.InvariantCulture),
        ["Webhooks__RateLimitPerMinute"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
        ["RateLimits__Customer__Reads"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
        ["RateLimits__Customer__Writes"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
    };

    public async Task RunAsync()
    {
        await SignInCustomersAsync();
        if (settings.Runs(Scenario.ReservationCreate))
        {
            report.Scenarios.Add(await CreateReservationsAsync());
        }

        if (settings.Runs(Scenario.ReservationRead))
        {
            if (_reservations.IsEmpty)
            {
                await Load.ForEachAsync(settings.Customers * 10, SetupConcurrency, _ => CreateReservationAsync());
            }

            report.Scenarios.Add(await ReadReservationsAsync());
        }

        if (settings.Runs(Scenario.Webhooks))
        {
            report.Scenarios.Add(await FactoryWebhooksAsync());
        }
    }

    /// <summary>MOB-1: eligibility (CUS, cached per customer), availability and the hold (vehicle grain), pre-authorisation (Stripe), the confirmation.</summary>
    private async Task<ScenarioResult> CreateReservationsAsync()
    {
        var pg = report.Baseline(Baselines.Pg);
        Console.WriteLine($"  {Scenario.ReservationCreate}: most it sustains with {CreateWorkers} clients...");
        var (most, cpu) = await platform.MeasureClosedAsync(CreateWorkers, settings, _ => CreateReservationAsync());
        var pacedRate = 0.7 * most.PerSecond;
        Console.WriteLine($"  {Scenario.ReservationCreate}: {Goals.Number(most.PerSecond)}/s; now paced at {Goals.Number(pacedRate)}/s...");
        // Issue 14: while paced, a forecaster outside the platform reads the booking events off JetStream.
        await using var forecaster = platform.Platform.Nats is { } nats ? await OutsideBookingReader.StartAsync(nats.Url) : null;
        var paced = await Load.PacedAsync(pacedRate, MaxInFlight, settings.Duration, _ => CreateReservationAsync());
        var events = forecaster is null ? null : await forecaster.StopAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));

        var result = ScenarioResult.From(Scenario.ReservationCreate,
            $"`POST /api/reservations` (customer JWT, JSON body, `pm_card_visa`), {settings.Customers} customers over a sandbox fleet of {settings.RentalFleet} vehicles, " +
            "each booking a 1-hour slot no other booking overlaps. First a closed loop of " +
            $"{CreateWorkers} clients (throughput and the first latency columns), then an open loop at 70% of that throughput, whose latencies count from when each request was due.",
            "reservations/s", most);
        // Issue 18 point 1: the platform's CPU per reservation, the throughput it buys, and the open loop's tail at 70% of it.
        result.Goals.Add(Goals.AtLeast(most.PerSecond, 0.04, pg, "reservations/s"));
        result.Goals.Add(new GoalResult("CPU per reservation, silo + API host + PostgreSQL ≤ 2 ms", $"{Goals.Number(cpu.Platform)} ms", null, cpu.Platform <= 2));
        result.Goals.Add(Goals.Under($"p99 at {Goals.Number(pacedRate)}/s (70% of the closed loop's throughput)", paced.Latency.P99Ms, 50, "ms"));
        result.Details.Add($"closed loop: {most.Operations} created in {most.Elapsed.TotalSeconds:0.0} s, {most.Errors} errors; p50/p95/p99 {Ms(most.Latency)}");
        result.Details.Add($"CPU per reservation, ms: {cpu}");
        result.Details.Add($"open loop at {Goals.Number(pacedRate)}/s: {paced.Operations} created, {paced.Errors} errors (incl. not sent for more than {MaxInFlight} in flight); p50/p95/p99 {Ms(paced.Latency)}");
        if (events is not null)
        {
            result.Goals.Add(Goals.Under($"booking events to an outside JetStream consumer, p99 at {Goals.Number(pacedRate)}/s", events.P99Ms, 1000, "ms"));
            result.Details.Add($"booking events read by an outside JetStream consumer while paced: {forecaster!.Received} `caas.booking.created`, "
                + $"from the reservation's write to delivery p50/p95/p99 {Ms(events)}");
        }
        else
        {
            result.Details.Add("booking events to an outside consumer: not measured (no nats-server: the event log was the silo's memory)");
        }
        AddFirstError(result, paced);
        return result;
    }

    /// <summary>MOB-2: the owner reads a reservation; the reservations read are those the creation scenario made.</summary>
    private async Task<ScenarioResult> ReadReservationsAsync()
    {
        var reservations = _reservations.ToArray();
        Task Read(long index)
        {
            var (id, token) = reservations[index % reservations.Length];
            return ReadReservationAsync(id, token);
        }

        // Issue 18 point 3: the bare liveness endpoint under the same load tool and workers, right before, is what a read is held against.
        Console.WriteLine($"  {Scenario.ReservationRead}: /health/live, then {ReadWorkers} clients over {reservations.Length} reservations...");
        var (live, liveCpu) = await platform.MeasureClosedAsync(ReadWorkers, settings, _ => ExpectAsync(platform.Platform.Http.GetAsync(LiveUrl), HttpStatusCode.OK));
        var bareHealth = new BaselineResult(Baselines.Health, $"`GET /health/live` (no token, no grain) on the API host, closed loop of {ReadWorkers} clients over the same HTTP client, just before reservation-read",
            live.PerSecond, "requests/s", live.Latency, live.Operations, live.Errors);
        report.Baselines.Add(bareHealth);
        var (measurement, cpu) = await platform.MeasureClosedAsync(ReadWorkers, settings, Read);
        var result = ScenarioResult.From(Scenario.ReservationRead,
            $"`GET /api/reservations/{{id}}` by the reservation's owner (a JWT the API validated once and remembers until it expires or 5 minutes pass: Identity:ValidatedTokenCacheTime), " +
            $"closed loop of {ReadWorkers} clients over {reservations.Length} reservations.",
            "reads/s", measurement);
        result.Goals.Add(Goals.AtLeast(measurement.PerSecond, 0.5, bareHealth, "reads/s"));
        result.Details.Add($"CPU per read, ms: {cpu}; per /health/live: {liveCpu}");
        return result;
    }

    /// <summary>
    /// FAC-2 through WH-1..7: signed (Standard Webhooks) factory status webhooks for orders placed first
    /// over HTTP. Each order's first webhook moves it to Manufacturing (and notifies the customer); the
    /// later ones report MANUFACTURING again, newer, which the order records as news and nothing more.
    /// </summary>
    private async Task<ScenarioResult> FactoryWebhooksAsync()
    {
        var secret = new ConfigurationBuilder().AddJsonFile(Path.Combine(Repository.Root, "config", "local.json")).Build()["Integrations:Factory:WebhookSecret"]!;
        var orders = new (string OrderId, string FactoryOrderId)[settings.Orders];
        await Load.ForEachAsync(settings.Orders, SetupConcurrency, async index =>
        {
            using var response = await platform.Platform.SendAsync(HttpMethod.Post, "/api/orders", _tokens[index % _tokens.Length],
                new { vehicleSpec = new { model = "ID.4", trim = "Pro", color = "Moonstone Grey", country = "ES" } });
            var order = JsonDocument.Parse(await ReadAsync(response, HttpStatusCode.Created)).RootElement;
            orders[index] = (order.GetProperty("orderId").GetString()!, order.GetProperty("factoryOrderId").GetString()!);
        });

        var reportedFrom = DateTimeOffset.UtcNow;
        long next = -1;
        Task Send(long _)
        {
            var index = Interlocked.Increment(ref next);
            var (orderId, factoryOrderId) = orders[index % orders.Length];
            var occurredAt = reportedFrom.AddSeconds(index / orders.Length).ToString("O", CultureInfo.InvariantCulture);
            var body = $$"""{"orderId":"{{factoryOrderId}}","reference":"{{orderId}}","status":"MANUFACTURING","estimatedCompletionDate":"2030-01-01T00:00:00Z","occurredAt":"{{occurredAt}}"}""";
            return ExpectAsync(platform.Platform.SendStandardWebhookAsync(WebhookPath, body, $"bench-msg-{index}", DateTimeOffset.UtcNow, secret), HttpStatusCode.OK);
        }

        Console.WriteLine($"  {Scenario.Webhooks}: {WebhookWorkers} senders over {orders.Length} orders...");
        var (measurement, cpu) = await platform.MeasureClosedAsync(WebhookWorkers, settings, Send);
        var result = ScenarioResult.From(Scenario.Webhooks,
            $"`POST {WebhookPath}` signed as the Factory signs (HMAC-SHA256, Standard Webhooks), each with a new message id, closed loop of {WebhookWorkers} senders over " +
            $"{orders.Length} orders placed beforehand over HTTP. The first webhook of an order moves it to Manufacturing (one notification); later ones are newer MANUFACTURING reports. " +
            "The webhook rate limit (WH-5, 100 a minute per source) is lifted for the run: the scenario measures intake capacity.",
            "webhooks/s", measurement);
        result.Goals.Add(Goals.AtLeast(measurement.PerSecond, 0.3, report.Baseline(Baselines.Write), "webhooks/s"));
        result.Details.Add($"CPU per webhook, ms: {cpu}");
        return result;
    }

    private async Task SignInCustomersAsync() =>
        _tokens = await Task.WhenAll(Enumerable.Range(0, settings.Customers).Select(c => platform.Platform.TokenAsync($"bench-cust-{c}", "customer")));

    /// <summary>Set-up for other scenarios: <paramref name="count"/> reservations booked as the creation scenario books them, with their owners' tokens.</summary>
    public async Task<IReadOnlyList<(string Id, string Token)>> BookAsync(int count)
    {
        if (_tokens.Length == 0)
        {
            await SignInCustomersAsync();
        }

        await Load.ForEachAsync(count, SetupConcurrency, _ => CreateReservationAsync());
        return [.. _reservations];
    }

    /// <summary>MOB-2 as the owner reads it; anything but 200 throws.</summary>
    public Task ReadReservationAsync(string id, string token) =>
        ExpectAsync(platform.Platform.SendAsync(HttpMethod.Get, "/api/reservations/" + id, token), HttpStatusCode.OK);

    public async Task CreateReservationAsync()
    {
        var index = Interlocked.Increment(ref _nextReservation);
        var vehicle = index % settings.RentalFleet;
        var startsAt = _firstDay.AddHours(2 * (index / settings.RentalFleet));
        var token = _tokens[index % _tokens.Length];
        using var response = await platform.Platform.SendAsync(HttpMethod.Post, "/api/reservations", token, new
        {
            vehicleId = $"veh-{vehicle + 1:D3}",
            startsAt,
            endsAt = startsAt.AddHours(1),
            paymentMethodId = "pm_card_visa",
        });
        await ReadAsync(response, HttpStatusCode.Created);
        _reservations.Add((response.Headers.Location!.OriginalString.Split('/')[^1], token));
    }

    private static async Task ExpectAsync(Task<HttpResponseMessage> sending, HttpStatusCode expected)
    {
        using var response = await sending;
        await ReadAsync(response, expected);
    }

    private static async Task<string> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode == expected ? body : throw new HttpRequestException($"{(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
    }

    private static string Ms(Latency latency) => $"{Goals.Number(latency.P50Ms)}/{Goals.Number(latency.P95Ms)}/{Goals.Number(latency.P99Ms)} ms";

    private static void AddFirstError(ScenarioResult result, Measurement measurement)
    {
        if (measurement.FirstError is { } error)
        {
            result.Details.Add($"first error of the open loop: `{error[..Math.Min(error.Length, 300)]}`");
        }
    }
}
