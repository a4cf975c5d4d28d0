using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// Issue 4, point 3 (PAY-9, MOB-6): the silo is killed (SIGKILL) while a reservation's authorisation
/// is on its way to Stripe, and Stripe carries it out anyway. Nothing may be left behind: the guard
/// reminder, persisted in PostgreSQL, fires on the silo that takes over, voids the authorisation and
/// frees the timeslot; there is never a second PaymentIntent.
/// </summary>
public sealed class ReservationCrashTests
{
    [Fact]
    public async Task A_silo_killed_mid_authorisation_leaves_no_hold_and_no_live_authorisation()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var platform = await Platform.StartAsync(database.ConnectionString, silos: 2, settings: new Dictionary<string, string?>
        {
            ["Rentals__AbandonCreationAfter"] = "00:00:08",
            ["Rentals__GuardPeriod"] = "00:00:03",
            ["Reminders__MinimumReminderPeriod"] = "00:00:03",
        });
        var fleet = await platform.Http.GetFromJsonAsync<JsonElement>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/fleet/vehicles"));
        var vehicleId = fleet[12].GetProperty("vehicleId").GetString()!;
        var customer = "cust-crash-" + Guid.NewGuid().ToString("N")[..6];
        var token = await platform.TokenAsync(customer, "customer");
        const string key = "crash-1";
        // The API host derives the reservation id from the customer and the Idempotency-Key.
        var reservationId = "res-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{customer}\n{key}")))[..32];
        using var client = await FailoverTests.ConnectClientAsync(database, platform);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var startsAt = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(3).AddHours(10), TimeSpan.Zero);
        var body = new { vehicleId, startsAt, endsAt = startsAt.AddHours(2), paymentMethodId = "pm_card_visa" };
        using (var slow = await platform.Http.PostAsJsonAsync(new Uri(platform.Sandbox.BaseUrl + "/sandbox/faults"), new { system = "stripe", mode = "slow", latencyMs = 2000 }))
        {
            slow.EnsureSuccessStatusCode();
        }

        var interrupted = platform.SendAsync(HttpMethod.Post, "/api/reservations", token, body, new Dictionary<string, string> { ["Idempotency-Key"] = key });
        await Eventually.Until(async () => (await platform.Http.GetFromJsonAsync<JsonElement>(new Uri(platform.Sandbox.BaseUrl + "/sandbox/requests?system=stripe")))
            .EnumerateArray().Any(request => request.GetProperty("path").GetString() == "/v1/payment_intents"), "the authorisation to reach Stripe");
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<IReservationGrain>(reservationId));
        Assert.NotNull(host);
        platform.Silos.Single(silo => silo.SiloPort == host.Endpoint.Port).Process.Kill();
        using (var ok = await platform.Http.PostAsJsonAsync(new Uri(platform.Sandbox.BaseUrl + "/sandbox/faults"), new { system = "stripe", mode = "ok" }))
        {
            ok.EnsureSuccessStatusCode();
        }

        HttpStatusCode? answered = null;
        try
        {
            using var answer = await interrupted;
            answered = answer.StatusCode;
        }
        catch (TaskCanceledException)
        {
            // The caller gave up on a silo that died under its request: also not a reservation.
        }

        // The guard on the surviving silo abandons the creation: the timeslot comes free again.
        using var retried = await Eventually.Until(() => platform.SendAsync(HttpMethod.Post, "/api/reservations", token, body),
            response => response.StatusCode == HttpStatusCode.Created, "the orphaned hold to be released", TimeSpan.FromSeconds(90));
        var reservation = await retried.Content.ReadFromJsonAsync<JsonElement>();
        var intents = await platform.Http.GetFromJsonAsync<JsonElement>(
            new Uri($"{platform.Sandbox.BaseUrl}/sandbox/stripe/payment_intents?metadata[vehicleId]={vehicleId}"));

        Assert.NotEqual(HttpStatusCode.Created, answered);
        // Whatever reached Stripe for the interrupted reservation is voided; only the new one holds money.
        var live = Assert.Single(intents.EnumerateArray(), intent => intent.GetProperty("status").GetString() != "canceled");
        Assert.Equal(reservation.GetProperty("id").GetString(), live.GetProperty("metadata").GetProperty("reservationId").GetString());
        Assert.True(intents.GetArrayLength() <= 2, "never two PaymentIntents for one reservation");
    }
}
