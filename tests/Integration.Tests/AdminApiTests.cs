using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CaaS.ApiHost.Endpoints;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// The operators' GraphQL API over HTTP (ADM-1..5, WH-6, SEC-2, SEC-4), against the API
/// host, a silo and the sandbox, with money checked where Stripe holds it. Every query and mutation
/// of the contract is exercised here; the ops page is checked in headless Chromium.
/// </summary>
[Collection(CaaSPlatformCollection.Name)]
public sealed class AdminApiTests(CaaSPlatformFixture fixture)
{
    private const string RentalFields = "id customerId vehicleId vin status startsAt endsAt capturedAmount { amount currency } refundedAmount { amount } "
        + "authorizedAmount { amount } fines { reason amount { amount currency } } verificationIssues history { at from to cause traceId actor kind sequence } owed { kind key dueAt }";

    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    private Task<string> OpsTokenAsync() => Platform.TokenAsync("ops-ann", "ops");

    [Fact]
    public async Task SEC_2_the_admin_api_answers_an_ops_identity_only()
    {
        var query = new { query = "{ opsAlerts { totalCount } }" };
        var (_, customer) = await Calls.CustomerAsync();

        using var anonymous = await Platform.SendAsync(HttpMethod.Post, "/graphql", null, query);
        using var asCustomer = await Platform.SendAsync(HttpMethod.Post, "/graphql", customer, query);
        using var asAnalytics = await Platform.SendAsync(HttpMethod.Post, "/graphql", await Platform.TokenAsync("forecaster", "analytics"), query);
        var asOps = await Calls.GraphQLAsync(await OpsTokenAsync(), query.query);

        await CaaSCalls.AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await CaaSCalls.AssertProblemAsync(asCustomer, HttpStatusCode.Forbidden, "FORBIDDEN");
        await CaaSCalls.AssertProblemAsync(asAnalytics, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.True(CaaSCalls.Data(asOps).GetProperty("opsAlerts").GetProperty("totalCount").GetInt32() >= 0);
    }

    [Fact]
    public async Task The_schema_introspects_whole_and_holds_every_query_and_mutation_of_the_contract()
    {
        var schema = CaaSCalls.Data(await Calls.GraphQLAsync(await OpsTokenAsync(), IntrospectionQuery)).GetProperty("__schema");
        string[] FieldsOf(string typeName) => schema.GetProperty("types").EnumerateArray()
            .Single(type => type.GetProperty("name").GetString() == typeName)
            .GetProperty("fields").EnumerateArray().Select(field => field.GetProperty("name").GetString()!).ToArray();

        Assert.Equal("Query", schema.GetProperty("queryType").GetProperty("name").GetString());
        Assert.Superset(new HashSet<string>(["activeRentals", "rental", "vehicle", "factoryOrder", "servicePurchase", "otaCommand", "revenueReport", "opsAlerts",
            "supportTickets", "deadLetters", "stuckFlows"]), new HashSet<string>(FieldsOf("Query")));
        Assert.Superset(new HashSet<string>(["overrideReturnVerification", "adjustFine", "retryFactoryOrder", "replayDeadLetter", "acknowledgeOpsItem", "resolveOpsItem"]),
            new HashSet<string>(FieldsOf("Mutation")));
        Assert.Contains("history", FieldsOf("Rental"));
        Assert.Equal(["at", "from", "to", "cause", "traceId", "actor", "kind", "sequence"], FieldsOf("Transition"));
    }

    [Fact]
    public async Task SEC_4_bad_requests_get_problems_and_bad_queries_get_graphql_errors_with_stable_codes()
    {
        var ops = await OpsTokenAsync();
        var deep = "{ __schema { types { fields { type " + string.Concat(Enumerable.Repeat("{ ofType ", 16)) + "{ name }" + new string('}', 16) + " } } } }";
        var costly = "{ " + string.Concat(Enumerable.Range(0, 20).Select(index => $"a{index}: activeRentals(first: 200) {{ items {{ id status customerId vin startsAt endsAt since }} }} ")) + "}";

        using var notJson = await SendRawAsync(ops, "{ this is not json", "application/json");
        using var notAGraphQLRequest = await SendRawAsync(ops, "{\"variables\": {}}", "application/json");
        using var plainText = await SendRawAsync(ops, "{ opsAlerts { totalCount } }", "text/plain");
        var tooDeep = await Calls.GraphQLAsync(ops, deep);
        var tooCostly = await Calls.GraphQLAsync(ops, costly);
        var syntax = await Calls.GraphQLAsync(ops, "{ activeRentals { items { id }");
        var unknownField = await Calls.GraphQLAsync(ops, "{ activeRentals { items { password } } }");
        var zeroPage = await Calls.GraphQLAsync(ops, "{ opsAlerts(first: 0) { totalCount } }");
        var hugePage = await Calls.GraphQLAsync(ops, "{ opsAlerts(first: 5000) { totalCount } }");
        var forgedCursor = await Calls.GraphQLAsync(ops, "{ deadLetters(after: \"not-a-cursor\") { totalCount } }");
        var reversedReport = await Calls.GraphQLAsync(ops, "{ revenueReport(from: \"2026-11-23\", to: \"2026-11-01\") { currency } }");
        var unknownKind = await Calls.GraphQLAsync(ops, "{ stuckFlows(kind: \"spaceship\") { thresholdSeconds } }");
        var negativeThreshold = await Calls.GraphQLAsync(ops, "{ stuckFlows(olderThanSeconds: -5) { thresholdSeconds } }");
        var badDate = await Calls.GraphQLAsync(ops, "{ revenueReport(from: \"yesterday\", to: \"2026-11-01\") { currency } }");
        var missing = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ rental(id: \"res-none\") { id } factoryOrder(id: \"ord-none\") { orderId } vehicle(vin: \"WVWZZZ1JZXW999999\") { vin } }"));
        var zeroFine = await Calls.GraphQLAsync(ops, "mutation { adjustFine(rentalId: \"res-none\", amount: 0, reason: \"x\") { id } }");
        var blankReason = await Calls.GraphQLAsync(ops, "mutation { adjustFine(rentalId: \"res-none\", amount: 100, reason: \"  \") { id } }");
        var unknownRental = await Calls.GraphQLAsync(ops, "mutation { adjustFine(rentalId: \"res-none\", amount: 100, reason: \"test\") { id } }");
        // Last and on a connection of its own: the server answers without reading the body, then closes the connection.
        using var oversized = await SendRawAsync(ops, JsonSerializer.Serialize(new { query = "{ opsAlerts { totalCount } }" + new string(' ', 70_000) }), "application/json", fresh: true);

        await CaaSCalls.AssertProblemAsync(notJson, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await CaaSCalls.AssertProblemAsync(notAGraphQLRequest, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await CaaSCalls.AssertProblemAsync(plainText, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await CaaSCalls.AssertProblemAsync(oversized, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("depth", ErrorMessage(tooDeep), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("COMPLEXITY", ErrorCode(tooCostly));
        Assert.Equal("SYNTAX_ERROR", ErrorCode(syntax));
        Assert.False(unknownField.TryGetProperty("data", out var noData) && noData.ValueKind == JsonValueKind.Object);
        Assert.NotEmpty(ErrorCode(unknownField));
        foreach (var invalid in new[] { zeroPage, hugePage, forgedCursor, reversedReport, unknownKind, negativeThreshold, zeroFine, blankReason })
        {
            Assert.Equal("VALIDATION_FAILED", ErrorCode(invalid));
        }

        Assert.NotEmpty(ErrorCode(badDate));
        Assert.Equal(JsonValueKind.Null, missing.GetProperty("rental").ValueKind);
        Assert.Equal(JsonValueKind.Null, missing.GetProperty("factoryOrder").ValueKind);
        Assert.Equal(JsonValueKind.Null, missing.GetProperty("vehicle").ValueKind);
        Assert.Equal("NOT_FOUND", ErrorCode(unknownRental));
    }

    [Fact]
    public async Task ADM_1_2_3_operators_see_active_rentals_approve_a_doubtful_return_and_adjust_fines_through_the_rental()
    {
        var ops = await OpsTokenAsync();
        var (customer, token) = await Calls.CustomerAsync();
        var vehicle = await Calls.FleetVehicleAsync(10);
        var id = await Calls.ActiveRentalAsync(token, vehicle.VehicleId);
        var active = await Eventually.Until(() => ActiveRentalIdsAsync(ops), ids => ids.Contains(id), "the rental in activeRentals");

        // Outside every return zone and nearly empty, as the car itself reports (MOB-7): the return waits for ops.
        var doubtful = new { odometerKm = 23_460.0, energyPercent = 5, photoUrls = new[] { "https://photos.example/paris.jpg" }, latitude = 48.8566, longitude = 2.3522 };
        await Calls.CarReportsAsync(vehicle.Vin, energyPercent: 5, latitude: 48.8566, longitude: 2.3522);
        var returned = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, doubtful));
        await Calls.CarReportsItsOwnAsync(vehicle.Vin);
        var alerts = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ opsAlerts(first: 200) { items { id status flowKind flowId } } }"));
        var finedBefore = CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: 1500, reason: \"scratched bumper\") {{ {RentalFields} }} }}"));
        var approved = CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"mutation {{ overrideReturnVerification(rentalId: \"{id}\", approved: true, reason: \"photos checked\") {{ {RentalFields} }} }}"));
        var completed = await Eventually.Until(() => RentalAsync(ops, id), rental => rental.GetProperty("status").GetString() == "Completed", "the capture");
        var intent = Assert.Single(await Calls.StripeIntentsAsync("reservationId", id));
        var refunded = CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: -1000, reason: \"goodwill\") {{ {RentalFields} }} }}"));
        var intentAfterRefund = Assert.Single(await Calls.StripeIntentsAsync("reservationId", id));
        var raiseAfterCapture = await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: 100, reason: \"late find\") {{ id }} }}");
        var tooMuchBack = await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{id}\", amount: -9000, reason: \"more than the fines\") {{ id }} }}");
        var overrideAgain = await Calls.GraphQLAsync(ops, $"mutation {{ overrideReturnVerification(rentalId: \"{id}\", approved: true, reason: \"again\") {{ id }} }}");
        var stillActive = await ActiveRentalIdsAsync(ops);
        var resolved = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ opsAlerts(first: 200, includeResolved: true) { items { id status resolvedBy } } }"));

        Assert.Equal("ReturnPending", returned.GetProperty("status").GetString());
        Assert.Contains(alerts.GetProperty("opsAlerts").GetProperty("items").EnumerateArray(),
            alert => alert.GetProperty("id").GetString() == $"return-verification/{id}" && alert.GetProperty("flowId").GetString() == id);
        Assert.Contains(finedBefore.GetProperty("adjustFine").GetProperty("fines").EnumerateArray(), fine => fine.GetProperty("amount").GetProperty("amount").GetInt64() == 1500);
        Assert.Contains(approved.GetProperty("overrideReturnVerification").GetProperty("history").EnumerateArray(), transition =>
            transition.GetProperty("actor").GetString() == "ops-ann" && transition.GetProperty("cause").GetString()!.Contains("photos checked", StringComparison.Ordinal)
            && transition.GetProperty("traceId").GetString() is { Length: 32 });
        // The fines decided at approval (low energy) and the one ops added are all captured, within the hold.
        var fines = completed.GetProperty("fines").EnumerateArray().Sum(fine => fine.GetProperty("amount").GetProperty("amount").GetInt64());
        var captured = completed.GetProperty("capturedAmount").GetProperty("amount").GetInt64();
        Assert.Equal(1500 + 3000, fines);
        Assert.Equal(completed.GetProperty("authorizedAmount").GetProperty("amount").GetInt64() - 5000 + fines, captured);
        Assert.Equal(captured, intent.GetProperty("amount_received").GetInt64());
        Assert.Equal(1000, refunded.GetProperty("adjustFine").GetProperty("refundedAmount").GetProperty("amount").GetInt64());
        Assert.Equal(1000, intentAfterRefund.GetProperty("refunds").EnumerateArray().Sum(refund => refund.GetProperty("amount").GetInt64()));
        // A refund leaves the rental Completed: an entry of its own kind, not a Completed -> Completed move.
        Assert.Contains(refunded.GetProperty("adjustFine").GetProperty("history").EnumerateArray(), transition =>
            transition.GetProperty("actor").GetString() == "ops-ann" && transition.GetProperty("cause").GetString()!.Contains("goodwill", StringComparison.Ordinal)
            && transition.GetProperty("kind").GetString() == "Refunded" && transition.GetProperty("from").GetString() == "Completed"
            && transition.GetProperty("to").GetString() == "Completed");
        Assert.DoesNotContain(refunded.GetProperty("adjustFine").GetProperty("history").EnumerateArray(), transition =>
            transition.GetProperty("kind").GetString() == "Moved" && transition.GetProperty("from").GetString() == transition.GetProperty("to").GetString());
        var sequences = refunded.GetProperty("adjustFine").GetProperty("history").EnumerateArray().Select(transition => transition.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(number => (long)number), sequences);
        // PAY-11: a fine found after completion is charged on the saved card, not refused (FineChargeTests).
        Assert.False(raiseAfterCapture.TryGetProperty("errors", out _));
        Assert.Equal("VALIDATION_FAILED", ErrorCode(tooMuchBack));
        Assert.Equal("INVALID_STATE", ErrorCode(overrideAgain));
        Assert.Contains(id, active);
        Assert.DoesNotContain(id, await Eventually.Until(() => ActiveRentalIdsAsync(ops), ids => !ids.Contains(id), "the completed rental to leave activeRentals"));
        Assert.Contains(resolved.GetProperty("opsAlerts").GetProperty("items").EnumerateArray(), alert =>
            alert.GetProperty("id").GetString() == $"return-verification/{id}" && alert.GetProperty("status").GetString() == "Resolved"
            && alert.GetProperty("resolvedBy").GetString() == "ops-ann");
        Assert.NotNull(stillActive);
        Assert.Contains(await Calls.NotificationsAsync(customer), sent => sent.ToString().Contains("RENTAL_COMPLETED", StringComparison.Ordinal));
        // Its money settled and its customer told, the rental owes nothing more: its guard has stopped.
        await Eventually.Until(() => RentalAsync(ops, id), rental => rental.GetProperty("owed").GetArrayLength() == 0, "the rental to owe nothing");
    }

    [Fact]
    public async Task ADM_2_a_refused_return_makes_the_rental_active_again_and_the_renter_is_told()
    {
        var ops = await OpsTokenAsync();
        var (customer, token) = await Calls.CustomerAsync();
        var vehicle = await Calls.FleetVehicleAsync(11);
        var id = await Calls.ActiveRentalAsync(token, vehicle.VehicleId);
        var outside = new { odometerKm = 1_000.0, energyPercent = 80, photoUrls = new[] { "https://photos.example/lisbon.jpg" }, latitude = 38.7223, longitude = -9.1393 };
        // The car itself is in Lisbon (MOB-7) at the first return, and back in Madrid at the second.
        await Calls.CarReportsAsync(vehicle.Vin, latitude: 38.7223, longitude: -9.1393);
        await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, outside));
        await Calls.CarReportsItsOwnAsync(vehicle.Vin);

        var refused = CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"mutation {{ overrideReturnVerification(rentalId: \"{id}\", approved: false, reason: \"vehicle not in a zone\") {{ {RentalFields} }} }}"));
        var again = await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{id}/return", token, CaaSCalls.GoodProof));
        var completed = await Eventually.Until(() => Calls.ReservationAsync(token, id), view => view.GetProperty("status").GetString() == "Completed", "the second return");
        var told = await Eventually.Until(() => Calls.NotificationsAsync(customer), sent => sent.Any(one => one.ToString().Contains("RETURN_REFUSED", StringComparison.Ordinal)), "the refusal notice");

        var rental = refused.GetProperty("overrideReturnVerification");
        Assert.Equal("Active", rental.GetProperty("status").GetString());
        Assert.Empty(rental.GetProperty("verificationIssues").EnumerateArray());
        Assert.Contains(rental.GetProperty("history").EnumerateArray(), transition => transition.GetProperty("from").GetString() == "ReturnPending"
            && transition.GetProperty("to").GetString() == "Active" && transition.GetProperty("actor").GetString() == "ops-ann");
        Assert.Contains(again.GetProperty("status").GetString(), new[] { "ReturnPending", "Completed" });
        Assert.Equal(Assert.Single(await Calls.StripeIntentsAsync("reservationId", id)).GetProperty("amount_received").GetInt64(),
            completed.GetProperty("capturedAmount").GetProperty("amount").GetInt64());
        Assert.NotEmpty(told);
    }

    [Fact]
    public async Task ADM_5_operators_read_each_kind_of_grain_with_its_whole_transition_history()
    {
        var ops = await OpsTokenAsync();
        var (customer, token) = await Calls.CustomerAsync();
        var (order, vin) = await Calls.DeliveredOrderAsync(token);
        var bought = await CaaSCalls.ReadAsync(await Calls.BuyAsync(token, vin, "HEATED_SEATS"));
        var purchaseId = bought.GetProperty("purchaseId").GetString()!;
        await Eventually.Until(() => Calls.PurchaseAsync(token, purchaseId), purchase => purchase.GetProperty("status").GetString() == "Active", "the activation");

        const string History = "history { at from to cause traceId actor }";
        var read = CaaSCalls.Data(await Calls.GraphQLAsync(ops, $$"""
            query($vin: String!, $order: String!, $purchase: String!, $command: String!) {
              vehicle(vin: $vin) { vin ownerId status {{History}} }
              factoryOrder(id: $order) { orderId customerId status vin plateNumber {{History}} }
              servicePurchase(id: $purchase) { purchaseId status charged attempts otaCommandId price { amount } {{History}} }
              otaCommand(id: $command) { commandId vin command purchaseId status attempts { number outcome } {{History}} }
            }
            """, new { vin, order, purchase = purchaseId, command = "ota-" + purchaseId }));

        var vehicleView = read.GetProperty("vehicle");
        var orderView = read.GetProperty("factoryOrder");
        var purchaseView = read.GetProperty("servicePurchase");
        var commandView = read.GetProperty("otaCommand");
        Assert.Equal(customer, vehicleView.GetProperty("ownerId").GetString());
        Assert.NotEmpty(vehicleView.GetProperty("history").EnumerateArray());
        Assert.Equal("Delivered", orderView.GetProperty("status").GetString());
        Assert.Equal(["Placing", "Placed", "Ready", "Registered", "Delivered"],
            orderView.GetProperty("history").EnumerateArray().Select(transition => transition.GetProperty("to").GetString()));
        Assert.Contains(orderView.GetProperty("history").EnumerateArray(), transition => transition.GetProperty("actor").GetString() == customer);
        Assert.Equal("Active", purchaseView.GetProperty("status").GetString());
        Assert.True(purchaseView.GetProperty("charged").GetBoolean());
        Assert.Equal(purchaseView.GetProperty("otaCommandId").GetString(), commandView.GetProperty("commandId").GetString());
        Assert.Equal("Succeeded", commandView.GetProperty("status").GetString());
        Assert.Equal(vin, commandView.GetProperty("vin").GetString());
        Assert.NotEmpty(commandView.GetProperty("attempts").EnumerateArray());
        foreach (var transition in new[] { vehicleView, orderView, purchaseView, commandView }.SelectMany(view => view.GetProperty("history").EnumerateArray()))
        {
            Assert.True(transition.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));
            Assert.NotEmpty(transition.GetProperty("from").GetString()!);
            Assert.NotEmpty(transition.GetProperty("to").GetString()!);
            Assert.NotEmpty(transition.GetProperty("cause").GetString()!);
        }
    }

    [Fact]
    public async Task FAC_1_retryFactoryOrder_places_a_failed_order_once_and_its_alert_is_acknowledged_and_resolved()
    {
        var ops = await OpsTokenAsync();
        var (_, token) = await Calls.CustomerAsync();
        await Calls.FaultAsync(new { system = "factory", mode = "down" });
        string id;
        try
        {
            id = (await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("FR")), allowFailure: true)).GetProperty("orderId").GetString()!;
        }
        finally
        {
            await Calls.FaultAsync(new { system = "factory", mode = "ok" });
        }

        var alertId = $"factory-placement/{id}";
        var placedBefore = await FactoryPlacementsAsync();
        var listed = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ opsAlerts(first: 200) { items { id status subject } } }"));
        var acknowledged = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "mutation($id: String!) { acknowledgeOpsItem(id: $id) { id status acknowledgedBy acknowledgedAt } }", new { id = alertId }));
        // Earlier failures may have opened the Factory adapter's circuit: a human retry then fails fast
        // and is simply tried again, until the 60 s break is over and the retry is the probe that closes it.
        var retried = await Eventually.Until(
            async () => CaaSCalls.Data(await Calls.GraphQLAsync(ops, "mutation($id: String!) { retryFactoryOrder(id: $id, reason: \"factory back up\") { orderId status factoryOrderId history { to cause actor } } }", new { id })),
            answer => answer.GetProperty("retryFactoryOrder").GetProperty("status").GetString() == "Placed", "a retry the Factory accepts", TimeSpan.FromSeconds(150));
        var retriedAgain = await Calls.GraphQLAsync(ops, "mutation($id: String!) { retryFactoryOrder(id: $id) { status } }", new { id });
        var resolved = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "mutation($id: String!) { resolveOpsItem(id: $id, resolution: \"placed on retry\") { status resolvedBy resolution } }", new { id = alertId }));
        var resolvedAgain = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "mutation($id: String!) { resolveOpsItem(id: $id, resolution: \"second word\") { status resolution } }", new { id = alertId }));
        var acknowledgeResolved = await Calls.GraphQLAsync(ops, "mutation($id: String!) { acknowledgeOpsItem(id: $id) { status } }", new { id = alertId });
        var unknown = await Calls.GraphQLAsync(ops, "mutation { acknowledgeOpsItem(id: \"no-such-item\") { status } }");
        var openAlerts = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ opsAlerts(first: 200) { items { id } } }"));
        var placements = await FactoryPlacementsAsync() - placedBefore;

        Assert.Contains(listed.GetProperty("opsAlerts").GetProperty("items").EnumerateArray(), alert => alert.GetProperty("id").GetString() == alertId && alert.GetProperty("status").GetString() == "Open");
        Assert.Equal("Acknowledged", acknowledged.GetProperty("acknowledgeOpsItem").GetProperty("status").GetString());
        Assert.Equal("ops-ann", acknowledged.GetProperty("acknowledgeOpsItem").GetProperty("acknowledgedBy").GetString());
        var order = retried.GetProperty("retryFactoryOrder");
        Assert.Equal("Placed", order.GetProperty("status").GetString());
        Assert.Contains(order.GetProperty("history").EnumerateArray(), transition => transition.GetProperty("actor").GetString() == "ops-ann"
            && transition.GetProperty("cause").GetString()!.Contains("factory back up", StringComparison.Ordinal));
        Assert.Equal("INVALID_STATE", ErrorCode(retriedAgain));
        Assert.Equal("Resolved", resolved.GetProperty("resolveOpsItem").GetProperty("status").GetString());
        Assert.Equal("placed on retry", resolvedAgain.GetProperty("resolveOpsItem").GetProperty("resolution").GetString());
        Assert.Equal("INVALID_STATE", ErrorCode(acknowledgeResolved));
        Assert.Equal("NOT_FOUND", ErrorCode(unknown));
        Assert.DoesNotContain(openAlerts.GetProperty("opsAlerts").GetProperty("items").EnumerateArray(), alert => alert.GetProperty("id").GetString() == alertId);
        Assert.Equal(1, placements);
    }

    [Fact]
    public async Task WH_6_a_webhook_that_fails_processing_is_kept_whole_and_replayed_through_the_same_path_once()
    {
        var ops = await OpsTokenAsync();
        var (customer, token) = await Calls.CustomerAsync();
        // The Factory speaks of an order this platform has not recorded yet: processing fails.
        var key = "order-" + Guid.NewGuid().ToString("N")[..8];
        var orderId = IdempotentIds.For("ord-", customer, key);
        var messageId = "msg-" + Guid.NewGuid().ToString("N")[..8];
        var body = JsonSerializer.Serialize(new { orderId = "F-EARLY-1", reference = orderId, status = "MANUFACTURING", occurredAt = DateTimeOffset.UtcNow.AddSeconds(30) });
        using var failed = await Calls.SendFactoryAsync(body, messageId, DateTimeOffset.UtcNow);
        var deadLetterId = $"dead-letter/factory:{messageId}";

        const string Fields = "id status source inboxKey error body headers { key value } attempts failedAt resolvedBy";
        var kept = CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"{{ deadLetters(first: 200) {{ items {{ {Fields} }} }} }}"));
        var stillFailing = CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"mutation($id: String!) {{ replayDeadLetter(id: $id) {{ outcome deadLetter {{ {Fields} }} }} }}", new { id = deadLetterId }));
        using var placedAnswer = await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("DE"), new Dictionary<string, string> { ["Idempotency-Key"] = key });
        var replayed = CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"mutation($id: String!) {{ replayDeadLetter(id: $id) {{ outcome deadLetter {{ {Fields} }} }} }}", new { id = deadLetterId }));
        var replayedAgain = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "mutation($id: String!) { replayDeadLetter(id: $id) { outcome } }", new { id = deadLetterId }));
        using var resent = await Calls.SendFactoryAsync(body, messageId, DateTimeOffset.UtcNow);
        var order = await Calls.OrderAsync(token, orderId);
        var notADeadLetter = await Calls.GraphQLAsync(ops, "mutation { replayDeadLetter(id: \"factory-placement/x\") { outcome } }");
        var openDeadLetters = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ deadLetters(first: 200) { items { id } } }"));

        // Not processed: the Factory is told to send it again (WH-6), and the platform keeps it meanwhile.
        await CaaSCalls.AssertProblemAsync(failed, HttpStatusCode.ServiceUnavailable, "DEPENDENCY_UNAVAILABLE");
        var letter = Assert.Single(kept.GetProperty("deadLetters").GetProperty("items").EnumerateArray(), item => item.GetProperty("id").GetString() == deadLetterId);
        Assert.Equal("factory", letter.GetProperty("source").GetString());
        Assert.Equal(body, letter.GetProperty("body").GetString());
        Assert.Contains("not found", letter.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        var headers = letter.GetProperty("headers").EnumerateArray().ToDictionary(pair => pair.GetProperty("key").GetString()!, pair => pair.GetProperty("value").GetString());
        Assert.Equal(messageId, headers["webhook-id"]);
        Assert.StartsWith("v1,", headers["webhook-signature"], StringComparison.Ordinal);
        Assert.True(headers.ContainsKey("webhook-timestamp"));
        Assert.Equal("Failed", stillFailing.GetProperty("replayDeadLetter").GetProperty("outcome").GetString());
        Assert.Equal(2, stillFailing.GetProperty("replayDeadLetter").GetProperty("deadLetter").GetProperty("attempts").GetInt32());
        Assert.Equal(HttpStatusCode.Created, placedAnswer.StatusCode);
        Assert.Equal("Processed", replayed.GetProperty("replayDeadLetter").GetProperty("outcome").GetString());
        Assert.Equal("Resolved", replayed.GetProperty("replayDeadLetter").GetProperty("deadLetter").GetProperty("status").GetString());
        Assert.Equal("ops-ann", replayed.GetProperty("replayDeadLetter").GetProperty("deadLetter").GetProperty("resolvedBy").GetString());
        Assert.Equal("Duplicate", replayedAgain.GetProperty("replayDeadLetter").GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        Assert.Equal("Manufacturing", order.GetProperty("status").GetString());
        Assert.Single(order.GetProperty("history").EnumerateArray(), transition => transition.GetProperty("to").GetString() == "Manufacturing");
        Assert.Equal("NOT_FOUND", ErrorCode(notADeadLetter));
        Assert.DoesNotContain(openDeadLetters.GetProperty("deadLetters").GetProperty("items").EnumerateArray(), item => item.GetProperty("id").GetString() == deadLetterId);
    }

    [Fact]
    public async Task ADM_5_resolved_items_are_read_from_the_archive_of_the_days_asked_for_and_open_ones_from_their_shelves()
    {
        var ops = await OpsTokenAsync();
        var id = $"adm5-archive/{Guid.NewGuid():N}";
        var raisedAt = DateTimeOffset.UtcNow.AddDays(-3);
        await fixture.Grains.GetGrain<Grains.Abstractions.Operations.IOpsGrain>(0).RaiseAsync(new Grains.Abstractions.Operations.OpsItem(
            id, Grains.Abstractions.Operations.OpsItemKind.RiskItem, "Money not received", "test", null, null, raisedAt, new Dictionary<string, string>()));
        const string Query = "query($from: DateOnly, $to: DateOnly, $all: Boolean) { riskItems(first: 200, includeResolved: $all, resolvedFrom: $from, resolvedTo: $to) { items { id status resolution } } }";

        var open = CaaSCalls.Data(await Calls.GraphQLAsync(ops, Query, new { all = false }));
        var resolved = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "mutation($id: String!) { resolveOpsItem(id: $id, resolution: \"written off\") { resolvedAt } }", new { id }));
        var today = DateOnly.FromDateTime(resolved.GetProperty("resolveOpsItem").GetProperty("resolvedAt").GetDateTimeOffset().UtcDateTime);
        var openAfter = CaaSCalls.Data(await Calls.GraphQLAsync(ops, Query, new { all = false }));
        var archivedToday = CaaSCalls.Data(await Calls.GraphQLAsync(ops, Query, new { from = today.ToString("yyyy-MM-dd"), to = today.ToString("yyyy-MM-dd") }));
        var archivedBefore = CaaSCalls.Data(await Calls.GraphQLAsync(ops, Query, new { from = today.AddDays(-2).ToString("yyyy-MM-dd"), to = today.AddDays(-1).ToString("yyyy-MM-dd") }));
        var everything = CaaSCalls.Data(await Calls.GraphQLAsync(ops, Query, new { all = true }));
        var backwards = await Calls.GraphQLAsync(ops, Query, new { from = today.ToString("yyyy-MM-dd"), to = today.AddDays(-1).ToString("yyyy-MM-dd") });

        static IEnumerable<JsonElement> Items(JsonElement data) => data.GetProperty("riskItems").GetProperty("items").EnumerateArray();
        Assert.Equal("Open", Assert.Single(Items(open), item => item.GetProperty("id").GetString() == id).GetProperty("status").GetString());
        Assert.DoesNotContain(Items(openAfter), item => item.GetProperty("id").GetString() == id);
        Assert.Equal("written off", Assert.Single(Items(archivedToday), item => item.GetProperty("id").GetString() == id).GetProperty("resolution").GetString());
        Assert.DoesNotContain(Items(archivedBefore), item => item.GetProperty("id").GetString() == id);
        Assert.Equal("Resolved", Assert.Single(Items(everything), item => item.GetProperty("id").GetString() == id).GetProperty("status").GetString());
        Assert.Equal("VALIDATION_FAILED", ErrorCode(backwards));
    }

    [Fact]
    public async Task Stuck_flows_lists_what_has_not_moved_past_the_threshold_by_kind_and_state_and_pages()
    {
        var ops = await OpsTokenAsync();
        var (_, token) = await Calls.CustomerAsync();
        var failed = new List<string>();
        await Calls.FaultAsync(new { system = "factory", mode = "down" });
        try
        {
            for (var index = 0; index < 3; index++)
            {
                failed.Add((await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("NL")), allowFailure: true))
                    .GetProperty("orderId").GetString()!);
            }
        }
        finally
        {
            await Calls.FaultAsync(new { system = "factory", mode = "ok" });
        }

        const string Query = "query($after: String) { stuckFlows(olderThanSeconds: 0, kind: \"factoryOrder\", first: 1, after: $after) { thresholdSeconds "
            + "groups { kind state count oldestMovedAt } flows { items { id kind state lastMovedAt stuckForSeconds } nextCursor totalCount } } }";
        var stuck = await Eventually.Until(async () => CaaSCalls.Data(await Calls.GraphQLAsync(ops, Query, new { after = (string?)null })).GetProperty("stuckFlows"),
            found => failed.All(id => found.GetProperty("groups").EnumerateArray().Any(group => group.GetProperty("state").GetString() == "PlacementFailed"
                && group.GetProperty("count").GetInt32() >= failed.Count)), "the failed orders among the stuck flows");
        var seen = new List<string>();
        var page = stuck;
        while (true)
        {
            var flows = page.GetProperty("flows");
            seen.AddRange(flows.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!));
            if (flows.GetProperty("nextCursor").GetString() is not { } next)
            {
                break;
            }

            page = CaaSCalls.Data(await Calls.GraphQLAsync(ops, Query, new { after = next })).GetProperty("stuckFlows");
        }

        var patient = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ stuckFlows(olderThanSeconds: 86400) { flows { items { id } } } }"));

        Assert.Equal(0, stuck.GetProperty("thresholdSeconds").GetInt32());
        Assert.Equal(stuck.GetProperty("flows").GetProperty("totalCount").GetInt32(), seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Superset(new HashSet<string>(failed), new HashSet<string>(seen));
        Assert.All(stuck.GetProperty("flows").GetProperty("items").EnumerateArray(), item => Assert.Equal("factoryOrder", item.GetProperty("kind").GetString()));
        Assert.DoesNotContain(patient.GetProperty("stuckFlows").GetProperty("flows").GetProperty("items").EnumerateArray(), item => failed.Contains(item.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task ADM_4_the_revenue_report_matches_what_the_sandbox_Stripe_holds_by_kind()
    {
        var ops = await OpsTokenAsync();
        var (_, token) = await Calls.CustomerAsync();
        // Money of each kind: a rental with a fine and a refund, a late cancellation fee, a vehicle service.
        var fined = await Calls.FleetVehicleAsync(12);
        var rental = await Calls.ActiveRentalAsync(token, fined.VehicleId);
        var lowEnergy = new { odometerKm = 23_470.0, energyPercent = 4, photoUrls = new[] { "https://photos.example/front.jpg" }, latitude = 40.4168, longitude = -3.7038 };
        // The low-energy fine is the car's word (MOB-7), not the claim's.
        await Calls.CarReportsAsync(fined.Vin, energyPercent: 4);
        await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{rental}/return", token, lowEnergy));
        await Calls.CarReportsItsOwnAsync(fined.Vin);
        await Eventually.Until(() => Calls.ReservationAsync(token, rental), view => view.GetProperty("status").GetString() == "Completed", "the capture");
        CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"mutation {{ adjustFine(rentalId: \"{rental}\", amount: -500, reason: \"charger was broken\") {{ id }} }}"));
        var soon = DateTimeOffset.UtcNow.AddHours(2);
        var cancelled = (await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId = (await Calls.FleetVehicleAsync(13)).VehicleId, startsAt = soon, endsAt = soon.AddHours(2), paymentMethodId = "pm_card_visa" }))).GetProperty("id").GetString()!;
        await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/reservations/{cancelled}/cancel", token));
        var vin = await Calls.DeliveredVehicleAsync(token);
        var purchase = (await CaaSCalls.ReadAsync(await Calls.BuyAsync(token, vin, "AUTOPARK"))).GetProperty("purchaseId").GetString()!;
        await Eventually.Until(() => Calls.PurchaseAsync(token, purchase), view => view.GetProperty("status").GetString() == "Active", "the activation");

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var query = $"{{ revenueReport(from: \"{today.AddDays(-1):yyyy-MM-dd}\", to: \"{today.AddDays(1):yyyy-MM-dd}\") {{ currency "
            + "totals { captured refunded fines net } byKind { kind figures { captured refunded fines net } } byDay { date figures { captured refunded net } } } }";
        // Everything this sandbox's Stripe holds went through this platform, so the two must agree once the streams have delivered.
        var (report, stripe) = await Eventually.Until(async () =>
            {
                var figures = CaaSCalls.Data(await Calls.GraphQLAsync(ops, query)).GetProperty("revenueReport");
                return (figures, StripeFigures(await Calls.StripeIntentsAsync()));
            },
            pair => Kind(pair.figures, "rentals").captured == pair.Item2.Rentals.Captured && Kind(pair.figures, "rentals").refunded == pair.Item2.Rentals.Refunded
                && Kind(pair.figures, "vehicleServices").captured == pair.Item2.Services.Captured,
            "the report to match Stripe");

        Assert.Equal(stripe.Rentals.Captured + stripe.Services.Captured, report.GetProperty("totals").GetProperty("captured").GetInt64());
        Assert.Equal(stripe.Rentals.Refunded + stripe.Services.Refunded, report.GetProperty("totals").GetProperty("refunded").GetInt64());
        Assert.Equal(report.GetProperty("totals").GetProperty("captured").GetInt64() - report.GetProperty("totals").GetProperty("refunded").GetInt64(),
            report.GetProperty("totals").GetProperty("net").GetInt64());
        Assert.Equal(report.GetProperty("totals").GetProperty("net").GetInt64(),
            report.GetProperty("byDay").EnumerateArray().Sum(day => day.GetProperty("figures").GetProperty("net").GetInt64()));
        Assert.Equal(3, report.GetProperty("byDay").GetArrayLength());
        Assert.True(report.GetProperty("totals").GetProperty("fines").GetInt64() >= 3000 - 500 + 1);
        Assert.True(stripe.Services.Captured >= 2900);
        Assert.True(stripe.Rentals.Refunded >= 500);
    }

    [Fact]
    public async Task The_ops_page_shows_active_rentals_alerts_tickets_dead_letters_and_stuck_flows_in_a_real_browser()
    {
        var ops = await OpsTokenAsync();
        var (_, token) = await Calls.CustomerAsync();
        var rental = await Calls.ActiveRentalAsync(token, (await Calls.FleetVehicleAsync(14)).VehicleId);
        await Calls.FaultAsync(new { system = "factory", mode = "down" });
        string order;
        try
        {
            order = (await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("BE")), allowFailure: true)).GetProperty("orderId").GetString()!;
        }
        finally
        {
            await Calls.FaultAsync(new { system = "factory", mode = "ok" });
        }

        var messageId = "msg-" + Guid.NewGuid().ToString("N")[..8];
        using var orphan = await Calls.SendFactoryAsync(JsonSerializer.Serialize(new { orderId = "F-X", reference = "ord-unknown-" + messageId, status = "PLACED", occurredAt = DateTimeOffset.UtcNow }),
            messageId, DateTimeOffset.UtcNow);
        var tickets = CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ supportTickets(first: 200) { items { id } } }")).GetProperty("supportTickets").GetProperty("items").EnumerateArray()
            .Select(item => item.GetProperty("id").GetString()!).ToList();
        await Eventually.Until(() => ActiveRentalIdsAsync(ops), ids => ids.Contains(rental), "the rental in activeRentals");

        await using var browser = await Chromium.StartAsync();
        await browser.NavigateAsync($"{Platform.ApiHost.BaseUrl}/ops#token={ops}&stuck=0");
        await browser.WaitForAsync("document.body.dataset.loaded === 'true'", "the ops lists");
        var dom = await browser.DomAsync();
        var screenshot = await browser.ScreenshotAsync("ops-page-lists");

        Assert.True(new FileInfo(screenshot).Length > 10_000, $"{screenshot} is a screenshot of the page");
        Assert.Contains("data-loaded=\"true\"", dom, StringComparison.Ordinal);
        // Issue 17 point 7: the revenue chart (one group of bars per day of the default fortnight) with its totals, and each silo's breakers and IoT queue.
        Assert.Equal(14, (await browser.EvaluateAsync("document.querySelectorAll('#revenue-chart g.day').length"))!.GetValue<int>());
        Assert.Contains("data-id=\"total\"", Section(dom, "revenue-totals"), StringComparison.Ordinal);
        Assert.Contains("data-id=\"rentals\"", Section(dom, "revenue-totals"), StringComparison.Ordinal);
        Assert.Contains("/iot\"", Section(dom, "breakers"), StringComparison.Ordinal);
        Assert.Contains("/iot-poll\"", Section(dom, "breakers"), StringComparison.Ordinal);
        Assert.Contains("<td class=\"state-", Section(dom, "breakers"), StringComparison.Ordinal);
        Assert.Single(Platform.Silos);
        Assert.Contains("<td class=\"number\">10000</td>", Section(dom, "iot-queue"), StringComparison.Ordinal);
        Assert.Contains($"data-id=\"{rental}\"", Section(dom, "active-rentals"), StringComparison.Ordinal);
        Assert.Contains($"data-id=\"factory-placement/{order}\"", Section(dom, "ops-alerts"), StringComparison.Ordinal);
        Assert.Contains($"data-id=\"dead-letter/factory:{messageId}\"", Section(dom, "dead-letters"), StringComparison.Ordinal);
        Assert.Contains($"data-id=\"{order}\"", Section(dom, "stuck-flows"), StringComparison.Ordinal);
        Assert.All(tickets, ticket => Assert.Contains($"data-id=\"{ticket}\"", Section(dom, "support-tickets"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_ops_page_adjusts_a_fine_with_its_reason_and_shows_a_refused_action_s_message_in_a_real_browser()
    {
        var ops = await OpsTokenAsync();
        var (_, token) = await Calls.CustomerAsync();
        // A completed rental with the low-energy fine (the car's word, MOB-7): ops may take part of it back, which refunds.
        var vehicle = await Calls.FleetVehicleAsync(7);
        var rental = await Calls.ActiveRentalAsync(token, vehicle.VehicleId);
        await Calls.CarReportsAsync(vehicle.Vin, energyPercent: 4);
        await CaaSCalls.ReadAsync(await Platform.SendAsync(HttpMethod.Post, $"/api/rentals/{rental}/return", token,
            new { odometerKm = 23_470.0, energyPercent = 4, photoUrls = new[] { "https://photos.example/front.jpg" }, latitude = 40.4168, longitude = -3.7038 }));
        await Calls.CarReportsItsOwnAsync(vehicle.Vin);
        await Eventually.Until(() => RentalAsync(ops, rental), view => view.GetProperty("status").GetString() == "Completed", "the capture");

        await using var browser = await Chromium.StartAsync();
        await browser.NavigateAsync($"{Platform.ApiHost.BaseUrl}/ops#token={ops}&rental={rental}");
        await browser.WaitForAsync($"document.body.dataset.rental === '{rental}'", "the rental's detail");
        // More back than the 30 EUR of fines captured would refund part of the price: the grain refuses, and the page says why.
        await browser.FillAsync("#fine-amount", "-31");
        await browser.FillAsync("#fine-reason", "more than the fines");
        await browser.ClickAsync("#fine-submit");
        await browser.WaitForAsync("document.body.dataset.lastAction === 'error'", "the refusal");
        var refusal = (await browser.EvaluateAsync("document.getElementById('rental-message').textContent"))!.GetValue<string>();
        // The reason is asked for: none, and nothing is sent.
        await browser.EvaluateAsync("delete document.body.dataset.lastAction");
        await browser.FillAsync("#fine-amount", "-5");
        await browser.FillAsync("#fine-reason", "  ");
        await browser.ClickAsync("#fine-submit");
        await browser.WaitForAsync("document.body.dataset.lastAction === 'error'", "the missing reason");
        var noReason = (await browser.EvaluateAsync("document.getElementById('rental-message').textContent"))!.GetValue<string>();
        await browser.EvaluateAsync("delete document.body.dataset.lastAction");
        await browser.FillAsync("#fine-reason", "charger was broken");
        await browser.ClickAsync("#fine-submit");
        await browser.WaitForAsync("document.body.dataset.lastAction === 'done'", "the adjustment");
        await browser.WaitForAsync("document.body.dataset.loaded === 'true'", "the lists");
        var history = (await browser.EvaluateAsync("document.querySelector('#rental-history tbody').textContent"))!.GetValue<string>();
        var screenshot = await browser.ScreenshotAsync("ops-page-fine-adjusted");
        var after = await RentalAsync(ops, rental);

        Assert.StartsWith("VALIDATION_FAILED: ", refusal, StringComparison.Ordinal);
        Assert.StartsWith("VALIDATION_FAILED: give the reason", noReason, StringComparison.Ordinal);
        Assert.Contains("Refunded", history, StringComparison.Ordinal);
        Assert.Contains("charger was broken", history, StringComparison.Ordinal);
        Assert.Contains("ops-ann", history, StringComparison.Ordinal);
        Assert.DoesNotContain("more than the fines", history, StringComparison.Ordinal);
        Assert.True(new FileInfo(screenshot).Length > 10_000, $"{screenshot} is a screenshot of the page");
        Assert.Equal(500, after.GetProperty("refundedAmount").GetProperty("amount").GetInt64());
        Assert.Contains(after.GetProperty("history").EnumerateArray(), entry => entry.GetProperty("kind").GetString() == "Refunded"
            && entry.GetProperty("actor").GetString() == "ops-ann" && entry.GetProperty("cause").GetString()!.Contains("charger was broken", StringComparison.Ordinal));
    }

    private async Task<int> FactoryPlacementsAsync() =>
        (await Calls.SandboxRequestsAsync("factory")).Count(request => request.GetProperty("method").GetString() == "POST" && request.GetProperty("status").GetInt32() == 201);

    private static string Section(string dom, string tableId)
    {
        var start = dom.IndexOf($"<table id=\"{tableId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"the page has no table {tableId}");
        return dom[start..dom.IndexOf("</table>", start, StringComparison.Ordinal)];
    }

    private static ((long Captured, long Refunded) Rentals, (long Captured, long Refunded) Services) StripeFigures(JsonElement[] intents)
    {
        (long, long) Of(string metadataKey)
        {
            var ofKind = intents.Where(intent => intent.GetProperty("metadata").TryGetProperty(metadataKey, out _)).ToList();
            return (ofKind.Sum(intent => intent.GetProperty("amount_received").GetInt64()),
                ofKind.Sum(intent => intent.GetProperty("refunds").EnumerateArray().Sum(refund => refund.GetProperty("amount").GetInt64())));
        }

        return (Of("reservationId"), Of("purchaseId"));
    }

    private static (long captured, long refunded) Kind(JsonElement report, string kind)
    {
        var figures = report.GetProperty("byKind").EnumerateArray().Single(entry => entry.GetProperty("kind").GetString() == kind).GetProperty("figures");
        return (figures.GetProperty("captured").GetInt64(), figures.GetProperty("refunded").GetInt64());
    }

    private async Task<HashSet<string>> ActiveRentalIdsAsync(string ops) =>
        [.. CaaSCalls.Data(await Calls.GraphQLAsync(ops, "{ activeRentals(first: 200) { items { id status } } }")).GetProperty("activeRentals").GetProperty("items")
            .EnumerateArray().Select(item => item.GetProperty("id").GetString()!)];

    private async Task<JsonElement> RentalAsync(string ops, string id) =>
        CaaSCalls.Data(await Calls.GraphQLAsync(ops, $"{{ rental(id: \"{id}\") {{ {RentalFields} }} }}")).GetProperty("rental");

    /// <summary>A GraphQL answer: HTTP 200 whether or not GraphQL found errors in the query.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(string token, string body, string mediaType, bool fresh = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Platform.ApiHost.BaseUrl + "/graphql"))
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (!fresh)
        {
            return await Platform.Http.SendAsync(request);
        }

        using var client = new HttpClient();
        return await client.SendAsync(request);
    }

    private static string ErrorCode(JsonElement answer) =>
        answer.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString()!;

    private static string ErrorMessage(JsonElement answer) => answer.GetProperty("errors")[0].GetProperty("message").GetString()!;

    /// <summary>The introspection query GraphQL clients (GraphiQL, code generators) send, with its deep type references.</summary>
    private const string IntrospectionQuery = """
        query Introspection {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description locations args { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description
          fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name
          ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
        }
        """;
}
