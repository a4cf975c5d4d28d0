using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CaaS.Integration.Tests;

/// <summary>
/// PAY-9, MOB-6: the silo running a reservation's creation is killed (SIGKILL) at
/// each boundary between its steps: after the timeslot is held but before Stripe has anything; while
/// Stripe carries out the authorisation; after Stripe authorised but before Confirmed is written.
/// Nothing may be left behind: the guard reminder, persisted in PostgreSQL, fires on the silo that
/// takes over, voids whatever was authorised and frees the timeslot; there is never a second
/// PaymentIntent for one reservation.
/// </summary>
public sealed class ReservationCrashTests
{
    [Fact]
    public async Task A_silo_killed_after_the_hold_before_Stripe_authorised_anything_leaves_no_hold_and_no_PaymentIntent()
    {
        // Stripe holds the request unanswered and, when its caller dies, never carries it out.
        await using var crash = await CrashScenario.StartAsync(new { system = "stripe", mode = "timeout" });
        await crash.UntilStripeReceivedAsync(answered: false);
        Assert.Contains(await crash.Grains.GetGrain<IVehicleGrain>(crash.Vin).GetTimeslotsAsync(), slot => slot.Owner == crash.ReservationId);

        await crash.KillReservationHostAsync();
        var rebooked = await crash.RebookAsync();

        Assert.Empty(await crash.IntentsAsync(crash.ReservationId));
        await crash.AssertOnlyLiveIntentIsAsync(rebooked);
        await crash.AssertAbandonedAsync();
    }

    [Fact]
    public async Task A_silo_killed_mid_authorisation_leaves_no_hold_and_no_live_authorisation()
    {
        // Stripe is slow and carries the authorisation out although its caller has died.
        await using var crash = await CrashScenario.StartAsync(new { system = "stripe", mode = "slow", latencyMs = 2000 });
        await crash.UntilStripeReceivedAsync(answered: false);

        await crash.KillReservationHostAsync();
        var rebooked = await crash.RebookAsync();

        Assert.True((await crash.IntentsAsync(crash.ReservationId)).Length <= 1, "never two PaymentIntents for one reservation");
        await crash.AssertOnlyLiveIntentIsAsync(rebooked);
        await crash.AssertAbandonedAsync();
    }

    [Fact]
    public async Task A_silo_killed_after_the_authorisation_before_Confirmed_is_written_voids_it_and_frees_the_timeslot()
    {
        await using var crash = await CrashScenario.StartAsync(new { system = "stripe", mode = "slow", latencyMs = 1500 });
        // Lock the reservation's state row once Pending is written: the Confirmed write then waits on it.
        await using var blocker = new NpgsqlConnection(crash.Database.ConnectionString);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await Eventually.Until(async () =>
        {
            await using var lockRow = new NpgsqlCommand("SELECT count(*) FROM (SELECT 1 FROM orleans_grain_state WHERE grain_key LIKE @key FOR UPDATE) AS locked",
                blocker, transaction);
            lockRow.Parameters.AddWithValue("key", "%" + crash.ReservationId);
            return (long)(await lockRow.ExecuteScalarAsync())! == 1;
        }, "the Pending reservation to be written");
        await crash.UntilStripeReceivedAsync(answered: true);
        await Eventually.Until(async () => await CountAsync(crash.Database, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0,
            "the Confirmed write to wait on the lock");

        await crash.KillReservationHostAsync();
        // The dead silo's statement is still queued behind the lock; a dead client's write must not land.
        await CountAsync(crash.Database, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        await transaction.RollbackAsync();
        var rebooked = await crash.RebookAsync();

        // The abandonment frees the timeslot before it voids, so the rebooking can come first: the void follows.
        await Eventually.Until(() => crash.IntentsAsync(crash.ReservationId),
            intents => intents is [var voided] && voided.GetProperty("status").GetString() == "canceled", "the interrupted reservation's authorisation to be voided");
        await crash.AssertOnlyLiveIntentIsAsync(rebooked);
        await crash.AssertAbandonedAsync();
    }

    private static async Task<long> CountAsync(PostgresDatabase database, string sql) => await database.ScalarAsync<long>(sql);

    /// <summary>Two silos on PostgreSQL with short guard timings, and one reservation on its way while Stripe misbehaves.</summary>
    private sealed class CrashScenario : IAsyncDisposable
    {
        private const string IdempotencyKey = "crash-1";

        private IHost _client = null!;

        private Task<HttpResponseMessage> _interrupted = null!;

        private object _body = null!;

        private string _token = null!;

        private string _customer = null!;

        public PostgresDatabase Database { get; private init; } = null!;

        public Platform Platform { get; private init; } = null!;

        public IClusterClient Grains => _client.Services.GetRequiredService<IClusterClient>();

        public string VehicleId { get; private set; } = null!;

        public string Vin { get; private set; } = null!;

        public string ReservationId { get; private set; } = null!;

        public static async Task<CrashScenario> StartAsync(object stripeFault)
        {
            var database = await PostgresDatabase.CreateAsync();
            var platform = await Platform.StartAsync(database.ConnectionString, silos: 2, settings: new Dictionary<string, string?>
            {
                ["Rentals__AbandonCreationAfter"] = "00:00:08",
                ["Rentals__GuardPeriod"] = "00:00:03",
                ["Reminders__MinimumReminderPeriod"] = "00:00:03",
            });
            var crash = new CrashScenario { Database = database, Platform = platform };
            crash._client = await ClusterClients.ConnectAsync(platform.ClusterId, database.ConnectionString);
            var fleet = await platform.Http.GetFromJsonAsync<JsonElement>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles"));
            crash.VehicleId = fleet[12].GetProperty("vehicleId").GetString()!;
            crash.Vin = fleet[12].GetProperty("vin").GetString()!;
            var customer = crash._customer = "cust-crash-" + Guid.NewGuid().ToString("N")[..6];
            crash._token = await platform.TokenAsync(customer, "customer");
            // The API host derives the reservation id from the customer and the Idempotency-Key.
            crash.ReservationId = "res-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes($"{customer}\n{IdempotencyKey}")))[..32];
            var startsAt = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(3).AddHours(10), TimeSpan.Zero);
            crash._body = new { vehicleId = crash.VehicleId, startsAt, endsAt = startsAt.AddHours(2), paymentMethodId = "pm_card_visa" };
            await crash.FaultAsync(stripeFault);
            crash._interrupted = platform.SendAsync(HttpMethod.Post, "/api/reservations", crash._token, crash._body,
                new Dictionary<string, string> { ["Idempotency-Key"] = IdempotencyKey });
            return crash;
        }

        /// <param name="answered">whether Stripe must also have finished the authorisation (it answers 200).</param>
        /// <remarks>
        /// Unanswered, the creation's first call to Stripe is the one held: since PAY-10 that is the
        /// customer's Stripe Customer (created once, before the card is saved or authorised), so the
        /// booking stops there with still no PaymentIntent.
        /// </remarks>
        public Task UntilStripeReceivedAsync(bool answered) =>
            Eventually.Until(async () => (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/requests?system=stripe")))
                .EnumerateArray().Any(request => (request.GetProperty("path").GetString() == "/v1/payment_intents"
                        || (!answered && request.GetProperty("path").GetString() == "/v1/customers"))
                    && (!answered || request.GetProperty("status").GetInt32() == 200)), answered ? "Stripe to authorise" : "the booking's first call to reach Stripe");

        /// <summary>SIGKILLs the silo running the reservation's creation; the caller's request must not come back Created.</summary>
        public async Task KillReservationHostAsync()
        {
            var host = await Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(Grains.GetGrain<IReservationGrain>(ReservationId));
            Assert.NotNull(host);
            Platform.Silos.Single(silo => silo.SiloPort == host.Endpoint.Port).Process.Kill();
            await FaultAsync(new { system = "stripe", mode = "ok" });
            try
            {
                using var answer = await _interrupted;
                Assert.NotEqual(HttpStatusCode.Created, answer.StatusCode);
            }
            catch (TaskCanceledException)
            {
                // The caller gave up on a silo that died under its request: also not a reservation.
            }
        }

        /// <summary>The same time on the same vehicle, by someone else, succeeds once the guard has undone the interrupted creation.</summary>
        public async Task<string> RebookAsync()
        {
            var other = await Platform.TokenAsync("cust-rebook-" + Guid.NewGuid().ToString("N")[..6], "customer");
            using var retried = await Eventually.Until(() => Platform.SendAsync(HttpMethod.Post, "/api/reservations", other, _body),
                response => response.StatusCode == HttpStatusCode.Created, "the orphaned hold to be released", TimeSpan.FromSeconds(90));
            return (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }

        public async Task<JsonElement[]> IntentsAsync(string reservationId) =>
            (await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[reservationId]={reservationId}")))
                .EnumerateArray().ToArray();

        public async Task AssertOnlyLiveIntentIsAsync(string reservationId)
        {
            var intents = await Platform.Http.GetFromJsonAsync<JsonElement>(new Uri($"{Platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[vehicleId]={VehicleId}"));
            // Whatever reached Stripe for the interrupted reservation is voided: only the new one holds money.
            var live = Assert.Single(intents.EnumerateArray(), intent => intent.GetProperty("status").GetString() != "canceled");
            Assert.Equal(reservationId, live.GetProperty("metadata").GetProperty("reservationId").GetString());
        }

        /// <summary>The interrupted reservation ends Cancelled, its history saying why, and holds no timeslot.</summary>
        public async Task AssertAbandonedAsync()
        {
            var view = await Eventually.Until(async () => (await Grains.GetGrain<IReservationGrain>(ReservationId).GetAsync(_customer)),
                found => found?.Status == ReservationStatus.Cancelled, "the interrupted reservation to be abandoned");
            Assert.Contains(view!.History, transition => transition.To == nameof(ReservationStatus.Cancelled) && transition.Cause.Contains("interrupted", StringComparison.Ordinal));
            Assert.DoesNotContain(await Grains.GetGrain<IVehicleGrain>(Vin).GetTimeslotsAsync(), slot => slot.Owner == ReservationId);

            // Issue 20 (soak seed 1103): the caller's retry of the interrupted request is told it failed, not 201 for a booking holding nothing.
            using var retried = await Platform.SendAsync(HttpMethod.Post, "/api/reservations", _token, _body,
                new Dictionary<string, string> { ["Idempotency-Key"] = IdempotencyKey });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, retried.StatusCode);
            Assert.Equal(ErrorCodes.DependencyUnavailable, (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }

        public async ValueTask DisposeAsync()
        {
            await _client.StopAsync();
            _client.Dispose();
            await Platform.DisposeAsync();
            await Database.DisposeAsync();
        }

        private async Task FaultAsync(object fault)
        {
            using var response = await Platform.Http.PostAsJsonAsync(new Uri(Platform.Sandbox.BaseUrl + "/sandbox/faults"), fault);
            response.EnsureSuccessStatusCode();
        }
    }
}
