using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Integration.Tests.Support;

namespace CaaS.Integration.Tests;

/// <summary>
/// PAY-9, PAY-3, MOB-6: the reconciler, run by ops through the admin API, against flows made over HTTP
/// and money moved at the sandbox's Stripe behind the platform's back. Honest flows give nothing;
/// each kind of wrong gives its own stable code on the flow it concerns. A platform of its own: the
/// money it forges at Stripe would otherwise stand in the revenue report other tests check.
/// </summary>
public sealed class ReconcilerTests(CaaSPlatformFixture fixture) : IClassFixture<CaaSPlatformFixture>
{
    private const string Query = "query($from: DateTimeOffset) { reconciliation(from: $from) { paymentIntents rentals servicePurchases vehicles mismatches { kind flowKind flowId paymentIntentId detail } } }";

    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    [Fact]
    public async Task PAY_9_MOB_6_the_reconciler_names_each_wrong_by_its_code_and_finds_nothing_wrong_in_honest_flows()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var ops = await Platform.TokenAsync("ops-rita", "ops");
        var (_, token) = await Calls.CustomerAsync();
        var (activeVehicle, _) = await Calls.FleetVehicleAsync(16);
        var (cancelledVehicle, cancelledVin) = await Calls.FleetVehicleAsync(17);
        var active = await Calls.ActiveRentalAsync(token, activeVehicle);
        var startsAt = DateTimeOffset.UtcNow.AddDays(20);
        var cancelled = (await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = cancelledVehicle, startsAt, endsAt = startsAt.AddHours(3), paymentMethodId = "pm_card_visa" }))).GetProperty("id").GetString()!;
        await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{cancelled}/cancel", token));

        var honest = await ReconcileAsync(ops, since);
        // PAY-10: the booking 20 days ahead only saved the card; the active rental's hold is the one intent.
        Assert.True(honest.GetProperty("paymentIntents").GetInt32() >= 1);
        Assert.Empty(MismatchesOf(honest, active, cancelled));

        var extraCharge = await Calls.ForgeStripeIntentAsync(new Dictionary<string, string> { ["reservationId"] = active }, 4_000, capture: true);
        var leftHold = await Calls.ForgeStripeIntentAsync(new Dictionary<string, string> { ["reservationId"] = cancelled }, 4_000, capture: false);
        var ghost = "r-ghost-" + Guid.NewGuid().ToString("N")[..8];
        var ghostCharge = await Calls.ForgeStripeIntentAsync(new Dictionary<string, string> { ["reservationId"] = ghost }, 2_500, capture: true);
        var deadHolder = "r-dead-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HoldOutcome.Held, await fixture.Grains.GetGrain<IVehicleGrain>(cancelledVin)
            .HoldAsync(deadHolder, startsAt.AddDays(1), startsAt.AddDays(1).AddHours(2), VehicleStatus.Available));

        var found = await ReconcileAsync(ops, since);

        Assert.Equal([("CHARGE_WITHOUT_DELIVERY", extraCharge)], MismatchesOf(found, active));
        Assert.Equal([("HOLD_ON_ENDED_FLOW", leftHold)], MismatchesOf(found, cancelled));
        Assert.Equal([("UNKNOWN_FLOW", ghostCharge)], MismatchesOf(found, ghost));
        Assert.Equal([("TIMESLOT_OF_DEAD_RESERVATION", (string?)null)], MismatchesOf(found, deadHolder));

        // A second hold for the active rental: now it holds twice and has been charged besides.
        var secondHold = await Calls.ForgeStripeIntentAsync(new Dictionary<string, string> { ["reservationId"] = active }, 4_000, capture: false);
        var doubled = MismatchesOf(await ReconcileAsync(ops, since), active);
        Assert.Contains(doubled, mismatch => mismatch.Kind == "DOUBLE_CHARGE" && mismatch.PaymentIntentId!.Contains(secondHold, StringComparison.Ordinal));
        Assert.Contains(("CHARGE_WITHOUT_DELIVERY", extraCharge), doubled);

        // The reconciler reads only: nothing it looked at moved.
        Assert.Equal("Active", (await Calls.ReservationAsync(token, active)).GetProperty("status").GetString());
        Assert.Equal("succeeded", (await Calls.StripeIntentsAsync("reservationId", ghost)).Single().GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_reconciliation_period_is_checked()
    {
        var answer = await Calls.GraphQLAsync(await Platform.TokenAsync("ops-rita", "ops"),
            "{ reconciliation(from: \"2026-12-01T00:00:00Z\", before: \"2026-11-01T00:00:00Z\") { paymentIntents } }");

        Assert.Equal("VALIDATION_FAILED", answer.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    private async Task<JsonElement> ReconcileAsync(string ops, DateTimeOffset since) =>
        CaaSCalls.Data(await Calls.GraphQLAsync(ops, Query, new { from = since })).GetProperty("reconciliation");

    private static List<(string Kind, string? PaymentIntentId)> MismatchesOf(JsonElement report, params string[] flowIds) =>
        [.. report.GetProperty("mismatches").EnumerateArray()
            .Where(mismatch => flowIds.Contains(mismatch.GetProperty("flowId").GetString()))
            .Select(mismatch => (mismatch.GetProperty("kind").GetString()!, mismatch.GetProperty("paymentIntentId").GetString()))];
}
