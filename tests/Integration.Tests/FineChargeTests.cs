using System.Text.Json;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// PAY-11 over HTTP against the sandbox's Stripe: what a rental owes is charged, whatever the hold
/// covers (raised where the card allows an incremental authorisation, charged off-session on the
/// saved card where not), fines after completion are charged, a refused charge is a debt for ops,
/// and refunds of fines never give back the price.
/// </summary>
[Collection(CaaSPlatformCollection.Name)]
public sealed class FineChargeTests(CaaSPlatformFixture fixture)
{
    private const string RentalFields = "id status capturedAmount { amount } refundedAmount { amount } authorizedAmount { amount } "
        + "fines { amount { amount currency } } history { kind cause } owed { kind key }";

    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    private Task<string> OpsTokenAsync() => Platform.TokenAsync("ops-ann", "ops");

    [Fact]
    public async Task PAY_11_a_fine_of_120_EUR_is_charged_in_full_by_raising_the_hold_where_the_card_allows_it()
    {
        var (ops, id, price) = await ReturnedForOpsAsync(14, "pm_card_visa");

        await AdjustAsync(ops, id, 12_000, "towed from a bus lane");
        await ApproveAsync(ops, id);
        var completed = await Eventually.Until(() => RentalAsync(ops, id), rental => Status(rental) == "Completed", "the capture");

        // The low-energy fine decided at approval, and the 120 EUR ops added: 150 EUR beyond a reserve of 50.
        var owed = price + 3_000 + 12_000;
        var intent = Assert.Single(await Calls.StripeIntentsAsync("reservationId", id));
        Assert.Equal(owed, Amount(completed, "capturedAmount"));
        Assert.Equal(owed, intent.GetProperty("amount_received").GetInt64());
        Assert.Contains(Entries(completed), entry => entry.Kind == "HoldIncremented" && entry.Cause.Contains("raised", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PAY_11_where_the_card_allows_no_increment_what_lies_beyond_the_hold_is_charged_off_session_on_the_saved_card()
    {
        // Stripe's German test card: no incremental authorisation where strong customer authentication applies.
        var (ops, id, price) = await ReturnedForOpsAsync(15, "pm_card_de");

        await AdjustAsync(ops, id, 12_000, "towed from a bus lane");
        await ApproveAsync(ops, id);
        var charged = await Eventually.Until(() => RentalAsync(ops, id),
            rental => Status(rental) == "Completed" && Entries(rental).Any(entry => entry.Kind == "FineCharged"), "the capture and the charge beyond the hold");

        var owed = price + 3_000 + 12_000;
        var intents = await Calls.StripeIntentsAsync("reservationId", id);
        Assert.Equal(2, intents.Length);
        Assert.Equal(owed, intents.Sum(intent => intent.GetProperty("amount_received").GetInt64()));
        Assert.Equal(owed, Amount(charged, "capturedAmount"));
        // The hold gave what it held; the rest went on the card the booking saved, to the same Stripe Customer.
        var hold = intents.Single(intent => intent.GetProperty("amount").GetInt64() == Amount(charged, "authorizedAmount"));
        var beyond = intents.Single(intent => intent.GetProperty("id").GetString() != hold.GetProperty("id").GetString());
        Assert.Equal(Amount(charged, "authorizedAmount"), hold.GetProperty("amount_received").GetInt64());
        Assert.Equal(hold.GetProperty("payment_method").GetString(), beyond.GetProperty("payment_method").GetString());
        Assert.Equal(hold.GetProperty("customer").GetString(), beyond.GetProperty("customer").GetString());
        Assert.Empty(await MismatchesOfAsync(ops, id));
    }

    [Fact]
    public async Task PAY_11_a_fine_found_after_completion_is_charged_and_a_refund_never_exceeds_the_fines_captured()
    {
        var ops = await OpsTokenAsync();
        var (_, token) = await Calls.CustomerAsync();
        var vehicle = await Calls.FleetVehicleAsync(16);
        var id = await Calls.ActiveRentalAsync(token, vehicle.VehicleId);
        await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, CaaSCalls.GoodProof));
        var completed = await Eventually.Until(() => RentalAsync(ops, id), rental => Status(rental) == "Completed", "the return to complete");
        var price = Amount(completed, "capturedAmount");

        await AdjustAsync(ops, id, 2_500, "toll found a week later");
        var charged = await Eventually.Until(() => RentalAsync(ops, id), rental => Entries(rental).Any(entry => entry.Kind == "FineCharged"), "the late fine's charge");
        var tooMuch = await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: -2600, reason: \"more than the fines\") {{ id }} }}");
        var refunded = Rental(await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: -2500, reason: \"toll was not ours\") {{ {RentalFields} }} }}"), "adjustFine");
        var intents = await Calls.StripeIntentsAsync("reservationId", id);

        Assert.Equal(price + 2_500, Amount(charged, "capturedAmount"));
        Assert.Equal(2, intents.Length);
        Assert.Equal(price + 2_500, intents.Sum(intent => intent.GetProperty("amount_received").GetInt64()));
        // 2,600 would give back 100 of the rental's price: refused, and nothing refunded.
        Assert.Equal("VALIDATION_FAILED", ErrorCode(tooMuch));
        Assert.Equal(2_500, Amount(refunded, "refundedAmount"));
        Assert.Equal(2_500, intents.Sum(intent => intent.GetProperty("refunds").EnumerateArray().Sum(refund => refund.GetProperty("amount").GetInt64())));
        Assert.Empty(await MismatchesOfAsync(ops, id));
    }

    [Fact]
    public async Task PAY_11_a_fine_the_saved_card_declines_is_a_debt_for_ops_and_the_customer_is_told()
    {
        var ops = await OpsTokenAsync();
        var (customer, token) = await Calls.CustomerAsync();
        var vehicle = await Calls.FleetVehicleAsync(17);
        var id = await Calls.ActiveRentalAsync(token, vehicle.VehicleId);
        await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, CaaSCalls.GoodProof));
        await Eventually.Until(() => RentalAsync(ops, id), rental => Status(rental) == "Completed", "the return to complete");
        var savedCard = Assert.Single(await Calls.StripeIntentsAsync("reservationId", id)).GetProperty("payment_method").GetString()!;
        await Calls.SandboxPostAsync($"/sandbox/stripe/payment_methods/{savedCard}/decline", new { declineCode = "lost_card" });

        await AdjustAsync(ops, id, 4_000, "damage found at cleaning");
        var indebted = await Eventually.Until(() => RentalAsync(ops, id), rental => Entries(rental).Any(entry => entry.Kind == "DebtRecorded"), "the debt");
        var tickets = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ supportTickets(first: 200) { items { id flowId detail } } }"));
        var told = await Eventually.Until(() => Calls.NotificationsAsync(customer),
            messages => messages.Any(message => message.GetProperty("template").GetString() == "PAYMENT_FAILED"), "the customer told of the debt");

        Assert.Contains(tickets.GetProperty("supportTickets").GetProperty("items").EnumerateArray(), ticket =>
            ticket.GetProperty("id").GetString() == $"debt/{id}" && ticket.GetProperty("detail").GetString()!.Contains("4000", StringComparison.Ordinal));
        Assert.Contains(Entries(indebted), entry => entry.Kind == "DebtRecorded" && entry.Cause.Contains("lost_card", StringComparison.Ordinal));
        Assert.DoesNotContain(indebted.GetProperty("owed").EnumerateArray(), owed => owed.GetProperty("kind").GetString() == "Charge");
        Assert.NotEmpty(told);
        // Owed, not charged, and in ops' hands: no money is lost unseen.
        Assert.Empty(await MismatchesOfAsync(ops, id));
    }

    [Fact]
    public async Task PAY_11_a_fine_in_another_currency_is_refused_and_changes_nothing()
    {
        var (ops, id, _) = await ReturnedForOpsAsync(18, "pm_card_visa");

        var usd = await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: 1000, currency: \"USD\", reason: \"wrong currency\") {{ id }} }}");
        await AdjustAsync(ops, id, 1_000, "scratch");
        await ApproveAsync(ops, id);
        var completed = await Eventually.Until(() => RentalAsync(ops, id), rental => Status(rental) == "Completed", "the capture");

        Assert.Equal("VALIDATION_FAILED", ErrorCode(usd));
        Assert.All(completed.GetProperty("fines").EnumerateArray(), fine => Assert.Equal("EUR", fine.GetProperty("amount").GetProperty("currency").GetString()));
        Assert.Equal(Assert.Single(await Calls.StripeIntentsAsync("reservationId", id)).GetProperty("amount_received").GetInt64(), Amount(completed, "capturedAmount"));
    }

    [Fact]
    public async Task PAY_11_a_capture_Stripe_refuses_is_tried_again_with_backoff_and_after_the_last_try_ops_take_it()
    {
        var (ops, id, _) = await ReturnedForOpsAsync(8, "pm_card_visa");
        try
        {
            await Calls.FaultAsync(new { system = "stripe", mode = "refuse" });
            await ApproveAsync(ops, id);
            var handedOver = await Eventually.Until(() => RentalAsync(ops, id),
                rental => Entries(rental).Count(entry => entry.Kind == "CaptureRefused") == 3, "three refused captures", TimeSpan.FromSeconds(60));
            var tickets = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ supportTickets(first: 200) { items { id flowId } } }"));

            // Tried three times (Rentals:CaptureRetries here), the waits doubling, then ops have it: nothing retries on its own any more.
            Assert.Equal("ReturnPending", Status(handedOver));
            Assert.Contains(Entries(handedOver), entry => entry.Kind == "CaptureRefused" && entry.Cause.Contains("ops took it over", StringComparison.Ordinal));
            Assert.DoesNotContain(handedOver.GetProperty("owed").EnumerateArray(), owed => owed.GetProperty("kind").GetString() == "Capture");
            Assert.Contains(tickets.GetProperty("supportTickets").GetProperty("items").EnumerateArray(), ticket => ticket.GetProperty("id").GetString() == $"capture-failed/{id}");
        }
        finally
        {
            await Calls.FaultAsync(new { system = "stripe", mode = "ok" });
        }
    }

    [Fact]
    public async Task PAY_11_a_capture_whose_answer_was_lost_and_whose_amount_changed_since_reads_the_intent_and_charges_only_the_difference()
    {
        var (ops, id, price) = await ReturnedForOpsAsync(9, "pm_card_de");
        await Calls.FaultAsync(new { system = "stripe", mode = "drop" });
        try
        {
            // Stripe captures price and fines; the platform never hears of it.
            await ApproveAsync(ops, id);
            await Eventually.Until(() => Calls.StripeIntentsAsync("reservationId", id),
                intents => intents.Any(intent => intent.GetProperty("status").GetString() == "succeeded"), "the capture carried out at Stripe");
            await AdjustAsync(ops, id, 1_000, "cleaning");
        }
        finally
        {
            await Calls.FaultAsync(new { system = "stripe", mode = "ok" });
        }

        var completed = await Eventually.Until(() => RentalAsync(ops, id),
            rental => Status(rental) == "Completed" && Entries(rental).Any(entry => entry.Kind == "FineCharged"), "the capture read back and the difference charged");
        var intents = await Calls.StripeIntentsAsync("reservationId", id);

        var owed = price + 3_000 + 1_000;
        Assert.Equal(owed, Amount(completed, "capturedAmount"));
        Assert.Equal(owed, intents.Sum(intent => intent.GetProperty("amount_received").GetInt64()));
        // The hold's capture as Stripe made it, and the difference on the saved card: nothing twice.
        Assert.Equal([1_000, owed - 1_000], intents.Select(intent => intent.GetProperty("amount_received").GetInt64()).Order());
        Assert.Empty(await MismatchesOfAsync(ops, id));
    }

    /// <summary>A rental returned outside every zone and nearly empty, as the car itself reports: it waits for ops (MOB-7, ADM-2).</summary>
    private async Task<(string Ops, string Id, long Price)> ReturnedForOpsAsync(int vehicleIndex, string card)
    {
        var ops = await OpsTokenAsync();
        var (_, token) = await Calls.CustomerAsync();
        var vehicle = await Calls.FleetVehicleAsync(vehicleIndex);
        var id = await Calls.ActiveRentalAsync(token, vehicle.VehicleId, card);
        await Calls.CarReportsAsync(vehicle.Vin, energyPercent: 5, latitude: 48.8566, longitude: 2.3522);
        var returned = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token,
            new { odometerKm = 23_460.0, energyPercent = 5, photoUrls = new[] { "https://photos.example/paris.jpg" }, latitude = 48.8566, longitude = 2.3522 }));
        await Calls.CarReportsItsOwnAsync(vehicle.Vin);
        Assert.Equal("ReturnPending", returned.GetProperty("status").GetString());
        var rental = await RentalAsync(ops, id);
        return (ops, id, Amount(rental, "authorizedAmount") - 5_000);
    }

    private async Task AdjustAsync(string ops, string id, long amount, string reason) =>
        _ = Rental(await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: {amount}, reason: \"{reason}\") {{ id }} }}"), "adjustFine");

    private async Task ApproveAsync(string ops, string id) =>
        _ = Rental(await Calls.GraphQLAsync(ops, $"mutation {{ overrideReturnVerification(rentalId: \"{id}\", approved: true, reason: \"photos checked\") {{ id }} }}"),
            "overrideReturnVerification");

    private async Task<JsonElement> RentalAsync(string ops, string id) =>
        Rental(await Calls.GraphQLAsync(ops, $"{{ rental(id: \"{id}\") {{ {RentalFields} }} }}"), "rental");

    private async Task<IReadOnlyList<string>> MismatchesOfAsync(string ops, string id)
    {
        var report = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ reconciliation { mismatches { kind flowId detail } } }")).GetProperty("reconciliation");
        return [.. report.GetProperty("mismatches").EnumerateArray().Where(found => found.GetProperty("flowId").GetString() == id)
            .Select(found => $"{found.GetProperty("kind").GetString()}: {found.GetProperty("detail").GetString()}")];
    }

    private static JsonElement Rental(JsonElement answer, string field)
    {
        Assert.False(answer.TryGetProperty("errors", out var errors), errors.ToString());
        return CaaSCalls.Data(answer).GetProperty(field);
    }

    private static string Status(JsonElement rental) => rental.GetProperty("status").GetString()!;

    private static long Amount(JsonElement rental, string field) => rental.GetProperty(field).GetProperty("amount").GetInt64();

    private static IEnumerable<(string Kind, string Cause)> Entries(JsonElement rental) =>
        rental.GetProperty("history").EnumerateArray().Select(entry => (entry.GetProperty("kind").GetString()!, entry.GetProperty("cause").GetString()!));

    private static string ErrorCode(JsonElement answer) =>
        answer.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString()!;
}
