using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Customer;
using CaaS.Grains.Integration.Factory;
using CaaS.Grains.Integration.Fleet;
using CaaS.Grains.Integration.Iot;
using CaaS.Grains.Integration.Payments;
using CaaS.Grains.Integration.Registration;
using CaaS.Grains.Integration.Vss;

namespace CaaS.Adapters.Tests;

/// <summary>
/// RES, row by row, driven by the sandbox's fault API: how many attempts reach the system (counted at
/// the sandbox), how far apart they are (on the fake clock), which timeouts end them, and what the
/// caller finally gets.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ResilienceTests(SandboxFixture sandbox) : SandboxTest<SandboxFixture>(sandbox)
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(750);

    [Fact]
    public async Task Customer_service_answers_within_500_ms_or_not_at_all_and_is_never_retried()
    {
        await Sandbox.FaultAsync("customer", "timeout");

        var timedOut = await Harness.DriveToFailureAsync<DependencyTimeoutException>(Harness.Get<CustomerClient>().GetAsync("cust-1"));

        Assert.Equal(TimeSpan.FromMilliseconds(500), timedOut.Timeout);
        Assert.Single(Harness.Attempts.To("/customers/"));
        await Sandbox.RequestsUntilAsync("customer", 1);
    }

    [Fact]
    public async Task Customer_service_down_is_one_attempt_and_unavailable()
    {
        await Sandbox.FaultAsync("customer", "down");

        await Harness.DriveToFailureAsync<DependencyUnavailableException>(Harness.Get<CustomerClient>().GetAsync("cust-1"));

        Assert.Single(await Sandbox.RequestsAsync("customer"));
    }

    [Fact]
    public async Task VSS_down_is_tried_four_times_at_5_10_and_20_seconds_apart()
    {
        await Sandbox.FaultAsync("vss", "down");
        var vin = (await Sandbox.FleetAsync())[0].Vin;

        var failed = await Harness.DriveToFailureAsync<DependencyUnavailableException>(Harness.Get<VssClient>().GetMaintenanceAsync(vin));

        Assert.False(failed.CircuitOpen);
        AssertSpacing(Harness.Attempts.To("/maintenance"), 0, 5, 15, 35);
        // The token endpoint (the identity server) still answers: one token serves every attempt.
        Assert.Single(Harness.Attempts.To("/oauth/token"));
    }

    [Fact]
    public async Task VSS_attempts_time_out_at_5_seconds_then_back_off()
    {
        var vin = (await Sandbox.FleetAsync())[0].Vin;
        await Harness.Get<VssClient>().GetMaintenanceAsync(vin);
        await Sandbox.FaultAsync("vss", "timeout");
        var before = Harness.Attempts.To("/maintenance").Count;

        var timedOut = await Harness.DriveToFailureAsync<DependencyTimeoutException>(Harness.Get<VssClient>().GetMaintenanceAsync(vin));

        Assert.Equal(TimeSpan.FromSeconds(5), timedOut.Timeout);
        // Each attempt waits 5 s for an answer, then the backoff: 0, 5+5, 10+5+10, 25+5+20.
        AssertSpacing(Harness.Attempts.To("/maintenance").Skip(before).ToArray(), 0, 10, 25, 50);
    }

    [Fact]
    public async Task Registration_is_tried_three_times_10_seconds_apart_with_one_idempotency_key()
    {
        await Sandbox.FaultAsync("registration", "down");

        await Harness.DriveToFailureAsync<DependencyUnavailableException>(Harness.Get<RegistrationClient>()
            .RegisterAsync(new RegisterVehicle("ES", "WVWZZZ1JZXW222222", "ID.4", "cust-1", "order-9/register")));

        var attempts = Harness.Attempts.To("/api/registration/vehicles");
        AssertSpacing(attempts, 0, 10, 20);
        Assert.All(attempts, attempt => Assert.Equal("order-9/register", attempt.IdempotencyKey));
        var seen = await Sandbox.RequestsUntilAsync("registration", 3);
        Assert.All(seen, request => Assert.Equal("order-9/register", request.Header("idempotency-key")));
    }

    [Fact]
    public async Task Registration_waits_60_seconds_for_an_answer()
    {
        await Sandbox.FaultAsync("registration", "timeout");

        var timedOut = await Harness.DriveToFailureAsync<DependencyTimeoutException>(Harness.Get<RegistrationClient>()
            .RegisterAsync(new RegisterVehicle("ES", "WVWZZZ1JZXW333333", "ID.4", "cust-1", "order-10/register")));

        Assert.Equal(TimeSpan.FromSeconds(60), timedOut.Timeout);
        AssertSpacing(Harness.Attempts.To("/api/registration/vehicles"), 0, 70, 140);
    }

    [Fact]
    public async Task Factory_placement_is_never_retried_and_times_out_at_30_seconds()
    {
        await Sandbox.FaultAsync("factory", "timeout");

        var timedOut = await Harness.DriveToFailureAsync<DependencyTimeoutException>(
            Harness.Get<FactoryClient>().PlaceAsync("order-11", new VehicleSpec("ID.4", "Pro", "Blue", "ES")));

        Assert.Equal(TimeSpan.FromSeconds(30), timedOut.Timeout);
        Assert.Single(Harness.Attempts.To("/api/v1/orders"));
    }

    [Fact]
    public async Task Factory_down_is_one_attempt()
    {
        await Sandbox.FaultAsync("factory", "down");

        await Harness.DriveToFailureAsync<DependencyUnavailableException>(
            Harness.Get<FactoryClient>().PlaceAsync("order-12", new VehicleSpec("ID.4", "Pro", "Blue", "ES")));

        Assert.Single(await Sandbox.RequestsAsync("factory"));
    }

    [Fact]
    public async Task Payment_network_failure_is_retried_once_at_once_with_the_same_idempotency_key()
    {
        await Sandbox.FaultAsync("stripe", "timeout");

        var timedOut = await Harness.DriveToFailureAsync<DependencyTimeoutException>(Harness.Get<StripePaymentClient>().AuthorizeAsync(
            new AuthorizePayment("res-77/authorize", Money.Eur(9_900), "pm_card_visa", "cust-1", "rental", new Dictionary<string, string>())));

        Assert.Equal(TimeSpan.FromSeconds(30), timedOut.Timeout);
        var attempts = Harness.Attempts.To("/v1/payment_intents");
        AssertSpacing(attempts, 0, 30);
        Assert.All(attempts, attempt => Assert.Equal("res-77/authorize", attempt.IdempotencyKey));
    }

    [Fact]
    public async Task Payment_server_error_is_not_retried_and_reaches_the_caller()
    {
        await Sandbox.FaultAsync("stripe", "down");

        await Harness.DriveToFailureAsync<DependencyUnavailableException>(Harness.Get<StripePaymentClient>().AuthorizeAsync(
            new AuthorizePayment("res-78/authorize", Money.Eur(9_900), "pm_card_visa", "cust-1", "rental", new Dictionary<string, string>())));

        Assert.Single(await Sandbox.RequestsAsync("stripe"));
    }

    [Fact]
    public async Task IoT_requests_time_out_at_10_seconds_and_are_not_retried()
    {
        await Sandbox.FaultAsync("iot", "timeout");
        var vin = (await Sandbox.FleetAsync())[0].Vin;

        var timedOut = await Harness.DriveToFailureAsync<DependencyTimeoutException>(Harness.Get<IotClient>().GetStatusAsync(vin));

        Assert.Equal(TimeSpan.FromSeconds(10), timedOut.Timeout);
        Assert.Single(Harness.Attempts.To("/status"));
    }

    [Fact]
    public async Task Fleet_lookups_are_retried_twice_at_1_and_2_seconds()
    {
        await Sandbox.FaultAsync("fleet", "down");

        await Harness.DriveToFailureAsync<DependencyUnavailableException>(Harness.Get<FleetClient>().ListAsync());

        AssertSpacing(Harness.Attempts.To("/api/fleet/vehicles"), 0, 1, 3);
    }

    [Fact]
    public async Task A_slow_answer_within_the_timeout_is_simply_waited_for()
    {
        await Sandbox.FaultAsync("customer", "slow", latencyMs: 200);

        var profile = await Harness.Get<CustomerClient>().GetAsync("cust-1");

        Assert.Equal("cust-1", profile.CustomerId);
    }

    [Fact]
    public async Task A_fault_narrowed_to_one_vehicle_leaves_the_others_alone()
    {
        var fleet = await Sandbox.FleetAsync();
        await Sandbox.FaultAsync("vss", "down", vin: fleet[0].Vin);

        var other = await Harness.Get<VssClient>().GetMaintenanceAsync(fleet[1].Vin);

        Assert.Equal(fleet[1].Vin, other.Vin);
    }

    private static void AssertSpacing(IReadOnlyList<Attempt> attempts, params double[] expectedSecondsAfterFirst)
    {
        Assert.Equal(expectedSecondsAfterFirst.Length, attempts.Count);
        for (var i = 0; i < attempts.Count; i++)
        {
            var offset = attempts[i].At - attempts[0].At;
            var expected = TimeSpan.FromSeconds(expectedSecondsAfterFirst[i]);
            Assert.True((offset - expected).Duration() <= Tolerance,
                $"attempt {i + 1} came {offset.TotalSeconds:0.00} s after the first; expected {expected.TotalSeconds:0.00} s");
        }
    }
}
