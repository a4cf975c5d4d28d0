using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CaaS.Grains.Abstractions;
using CaaS.Integration.Tests.Support;

namespace CaaS.Integration.Tests;

/// <summary>SEC-7: an ops erasure of a customer over the admin API, checked where the data is (the rental, the sandbox's Stripe, the customer grain).</summary>
[Collection(EmbeddedPlatformCollection.Name)]
public sealed class CustomerErasureTests(EmbeddedPlatformFixture fixture)
{
    private const string Erase = """
        mutation($customerId: String!, $reason: String!) { eraseCustomer(customerId: $customerId, reason: $reason) {
          customerId erasedAt erasedBy reason removed kept rentalIds stripeCustomersDeleted erasures } }
        """;

    private const string RentalQuery = """
        query($id: String!) { rental(id: $id) { customerId paymentIntentId capturedAmount { amount currency } authorizedAmount { amount }
          returnProof { odometerKm energyPercent photoUrls latitude longitude } } }
        """;

    private Platform Platform => fixture.Platform;

    private CaaSCalls Calls => new(fixture.Platform);

    [Fact]
    public async Task SEC_7_an_erasure_removes_KYC_returns_and_the_Stripe_Customer_keeps_the_money_and_says_so()
    {
        var (customer, token) = await Calls.CustomerAsync();
        var (vehicleId, _) = await Calls.FleetVehicleAsync(22);
        var (rentalId, paymentIntent) = await Calls.CompletedRentalAsync(token, vehicleId);
        var stripeCustomer = await StripeCustomerAsync(customer);
        var ops = await Platform.TokenAsync("ops-erin", "ops");
        var before = CaaSCalls.Data(await Calls.GraphQLAsync(ops, RentalQuery, new { id = rentalId })).GetProperty("rental");

        var first = CaaSCalls.Data(await Calls.GraphQLAsync(ops, Erase, new { customerId = customer, reason = "GDPR art. 17 request #41" })).GetProperty("eraseCustomer");
        var after = CaaSCalls.Data(await Calls.GraphQLAsync(ops, RentalQuery, new { id = rentalId })).GetProperty("rental");
        var atStripe = await StripeAsync(HttpMethod.Get, $"/v1/customers/{stripeCustomer}");
        var second = CaaSCalls.Data(await Calls.GraphQLAsync(ops, Erase, new { customerId = customer, reason = "asked again" })).GetProperty("eraseCustomer");
        var status = await fixture.Grains.GetGrain<ICustomerGrain>(customer).GetStatusAsync();
        using var asCustomer = await Platform.SendAsync(HttpMethod.Post, "/graphql", token, new { query = Erase, variables = new { customerId = customer, reason = "me" } });

        Assert.Equal(1, before.GetProperty("returnProof").GetProperty("photoUrls").GetArrayLength());
        Assert.Equal((customer, "ops-erin", "GDPR art. 17 request #41"),
            (first.GetProperty("customerId").GetString(), first.GetProperty("erasedBy").GetString(), first.GetProperty("reason").GetString()));
        var removed = Strings(first, "removed");
        Assert.Contains(removed, what => what.StartsWith("cached KYC", StringComparison.Ordinal));
        Assert.Contains($"{rentalId}: 1 return photo(s)", removed);
        Assert.Contains($"{rentalId}: return position given by the customer", removed);
        Assert.Contains($"{rentalId}: return position reported by the car", removed);
        Assert.Contains(Strings(first, "kept"), what => what.Contains("PaymentIntent id", StringComparison.Ordinal));
        Assert.Equal([rentalId], Strings(first, "rentalIds"));
        Assert.Equal([stripeCustomer], Strings(first, "stripeCustomersDeleted"));

        var proof = after.GetProperty("returnProof");
        Assert.Equal(0, proof.GetProperty("photoUrls").GetArrayLength());
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (proof.GetProperty("latitude").ValueKind, proof.GetProperty("longitude").ValueKind));
        Assert.Equal(64, proof.GetProperty("energyPercent").GetInt32());
        Assert.Equal(paymentIntent, after.GetProperty("paymentIntentId").GetString());
        Assert.Equal(before.GetProperty("capturedAmount").ToString(), after.GetProperty("capturedAmount").ToString());
        Assert.Equal(before.GetProperty("authorizedAmount").ToString(), after.GetProperty("authorizedAmount").ToString());
        Assert.True(atStripe.GetProperty("deleted").GetBoolean());
        Assert.Single(await Calls.StripeIntentsAsync("reservationId", rentalId));

        Assert.Equal(2, second.GetProperty("erasures").GetInt32());
        Assert.Empty(Strings(second, "stripeCustomersDeleted"));
        Assert.Contains(Strings(second, "removed"), what => what.StartsWith("no Stripe Customer", StringComparison.Ordinal));
        Assert.DoesNotContain(Strings(second, "removed"), what => what.StartsWith("cached KYC", StringComparison.Ordinal) || what.StartsWith(rentalId, StringComparison.Ordinal));
        Assert.False(status.FromCache);
        await CaaSCalls.AssertProblemAsync(asCustomer, HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    private static string[] Strings(JsonElement answer, string name) => [.. answer.GetProperty(name).EnumerateArray().Select(item => item.GetString()!)];

    /// <summary>A Stripe Customer for the platform's customer, made at the sandbox's Stripe as any integration would: named by metadata.</summary>
    /// <summary>The Stripe Customer the platform made for the customer at the first booking (PAY-10), that keeps the saved card.</summary>
    private async Task<string> StripeCustomerAsync(string customer) =>
        Assert.Single((await StripeAsync(HttpMethod.Get, $"/v1/customers/search?query={Uri.EscapeDataString($"metadata['customerId']:'{customer}'")}"))
            .GetProperty("data").EnumerateArray()).GetProperty("id").GetString()!;

    private async Task<JsonElement> StripeAsync(HttpMethod method, string path, Dictionary<string, string>? form = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(Platform.Sandbox.BaseUrl + path)) { Content = form is null ? null : new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", CaaSCalls.StripeSecretKey);
        using var response = await Platform.Http.SendAsync(request);
        return await CaaSCalls.ReadAsync(response);
    }
}
