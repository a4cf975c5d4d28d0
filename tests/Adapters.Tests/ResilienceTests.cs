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
public sealed class ResilienceTests(SandboxFixture sandbox) : IAsyncLifetime
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(750);

    private readonly AdapterHarness _harness = new(sandbox);

    public Task InitializeAsync() => sandbox.ResetAsync();

    public async Task DisposeAsync()
    {
        await sandbox.ResetAsync();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task Customer_service_answers_within_500_ms_or_not_at_all_and_is_never_retried()
    {
        await sandbox.FaultAsync("customer", "timeout");

        var timedOut = await _harness.DriveToFailureAsync<DependencyTimeoutException>(_harness.Get<CustomerClient>().GetAsync("cust-1"));

        Assert.Equal(TimeSpan.FromMilliseconds(500), timedOut.Timeout);
        Assert.Single(_harness.Attempts.To("/customers/"));
        await sandbox.RequestsUntilAsync("customer", 1);
    }

    [Fact]
    public async Task Customer_service_down_is_one_attempt_and_unavailable()
    {
        await sandbox.FaultAsync("customer", "down");

        await _harness.DriveToFailureAsync<DependencyUnavailableException>(_harness.Get<CustomerClient>().GetAsync("cust-1"));

        Assert.Single(await sandbox.RequestsAsync("customer"));
    }

    [Fact]
    public async Task VSS_down_is_tried_four_times_at_5_10_and_20_seconds_apart()
    {
        await sandbox.FaultAsync("vss", "down");
        var vin = (await sandbox.FleetAsync())[0].Vin;

        var failed = await _harness.DriveToFailureAsync<DependencyUnavailableException>(_harness.Get<VssClient>().GetMaintenanceAsync(vin));

        Assert.False(failed.CircuitOpen);
        AssertSpacing(_harness.Attempts.To("/maintenance"), 0, 5, 15, 35);
        // The token endpoint (the identity server) still answers: one token serves every attempt.
        Assert.Single(_harness.Attempts.To("/oauth/token"));
    }

    [Fact]
    public async Task VSS_attempts_time_out_at_5_seconds_then_back_off()
    {
        var vin = (await sandbox.FleetAsync())[0].Vin;
        await _harness.Get<VssClient>().GetMaintenanceAsync(vin);
        await sandbox.FaultAsync("vss", "timeout");
        var before = _harness.Attempts.To("/maintenance").Count;

        var timedOut = await _harness.DriveToFailureAsync<DependencyTimeoutException>(_harness.Get<VssClient>().GetMaintenanceAsync(vin));

        Assert.Equal(TimeSpan.FromSeconds(5), timedOut.Timeout);
        // Each attempt waits 5 s for an answer, then the backoff: 0, 5+5, 10+5+10, 25+5+20.
        AssertSpacing(_harness.Attempts.To("/maintenance").Skip(before).ToArray(), 0, 10, 25, 50);
    }

    [Fact]
    public async Task Registration_is_tried_three_times_10_seconds_apart_with_one_idempotency_key()
    {
        await sandbox.FaultAsync("registration", "down");

        await _harness.DriveToFailureAsync<DependencyUnavailableException>(_harness.Get<RegistrationClient>()
            .RegisterAsync(new RegisterVehicle("ES", "WVWZZZ1JZXW222222", "ID.4", "cust-1", "order-9/register")));

        var attempts = _harness.Attempts.To("/api/registration/vehicles");
        AssertSpacing(attempts, 0, 10, 20);
        Assert.All(attempts, attempt => Assert.Equal("order-9/register", attempt.IdempotencyKey));
        var seen = await sandbox.RequestsUntilAsync("registration", 3);
        Assert.All(seen, request => Assert.Equal("order-9/register", request.Header("idempotency-key")));
    }

    [Fact]
    public async Task Registration_waits_60_seconds_for_an_answer()
    {
        await sandbox.FaultAsync("registration", "timeout");

        var timedOut = await _harness.DriveToFailureAsync<DependencyTimeoutException>(_harness.Get<RegistrationClient>()
            .RegisterAsync(new RegisterVehicle("ES", "WVWZZZ1JZXW333333", "ID.4", "cust-1", "order-10/register")));

        Assert.Equal(TimeSpan.FromSeconds(60), timedOut.Timeout);
        AssertSpacing(_harness.Attempts.To("/api/registration/vehicles"), 0, 70, 140);
    }

    [Fact]
    public async Task Factory_placement_is_never_retried_and_times_out_at_30_seconds()
    {
        await sandbox.FaultAsync("factory", "timeout");

        var timedOut = await _harness.DriveToFailureAsync<DependencyTimeoutException>(
            _harness.Get<FactoryClient>().PlaceAsync("order-11", new VehicleSpec("ID.4", "Pro", "Blue", "ES")));

        Assert.Equal(TimeSpan.FromSeconds(30), timedOut.Timeout);
        Assert.Single(_harness.Attempts.To("/api/v1/orders"));
    }

    [Fact]
    public async Task Factory_down_is_one_attempt()
    {
        await sandbox.FaultAsync("factory", "down");

        await _harness.DriveToFailureAsync<DependencyUnavailableException>(
            _harness.Get<FactoryClient>().PlaceAsync("order-12", new VehicleSpec("ID.4", "Pro", "Blue", "ES")));

        Assert.Single(await sandbox.RequestsAsync("factory"));
    }

    [Fact]
    public async Task Payment_network_failure_is_retried_once_at_once_with_the_same_idempotency_key()
    {
        await sandbox.FaultAsync("stripe", "timeout");

        var timedOut = await _harness.DriveToFailureAsync<DependencyTimeoutException>(_harness.Get<StripePaymentClient>().AuthorizeAsync(
            new AuthorizePayment("res-77/authorize", Money.Eur(9_900), "pm_card_visa", "cust-1", "rental", new Dictionary<string, string>())));

        Assert.Equal(TimeSpan.FromSeconds(30), timedOut.Timeout);
        var attempts = _harness.Attempts.To("/v1/payment_intents");
        AssertSpacing(attempts, 0, 30);
        Assert.All(attempts, attempt => Assert.Equal("res-77/authorize", attempt.IdempotencyKey));
    }

    [Fact]
    public async Task Payment_server_error_is_not_retried_and_reaches_the_caller()
    {
        await sandbox.FaultAsync("stripe", "down");

        await _harness.DriveToFailureAsync<DependencyUnavailableException>(_harness.Get<StripePaymentClient>().AuthorizeAsync(
            new AuthorizePayment("res-78/authorize", Money.Eur(9_900), "pm_card_visa", "cust-1", "rental", new Dictionary<string, string>())));

        Assert.Single(await sandbox.RequestsAsync("stripe"));
    }

    [Fact]
    public async Task IoT_requests_time_out_at_10_seconds_and_are_not_retried()
    {
        await sandbox.FaultAsync("iot", "timeout");
        var vin = (await sandbox.FleetAsync())[0].Vin;

        var timedOut = await _harness.DriveToFailureAsync<DependencyTimeoutException>(_harness.Get<IotClient>().GetStatusAsync(vin));

        Assert.Equal(TimeSpan.FromSeconds(10), timedOut.Timeout);
        Assert.Single(_harness.Attempts.To("/status"));
    }

    [Fact]
    public async Task Fleet_lookups_are_retried_twice_at_1_and_2_seconds()
    {
        await sandbox.FaultAsync("fleet", "down");

        await _harness.DriveToFailureAsync<DependencyUnavailableException>(_harness.Get<FleetClient>().ListAsync());

        AssertSpacing(_harness.Attempts.To("/api/fleet/vehicles"), 0, 1, 3);
    }

    [Fact]
    public async Task A_slow_answer_within_the_timeout_is_simply_waited_for()
    {
        await sandbox.FaultAsync("customer", "slow", latencyMs: 200);

        var profile = await _harness.Get<CustomerClient>().GetAsync("cust-1");

        Assert.Equal("cust-1", profile.CustomerId);
    }

    [Fact]
    public async Task A_fault_narrowed_to_one_vehicle_leaves_the_others_alone()
    {
        var fleet = await sandbox.FleetAsync();
        await sandbox.FaultAsync("vss", "down", vin: fleet[0].Vin);

        var other = await _harness.Get<VssClient>().GetMaintenanceAsync(fleet[1].Vin);

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
