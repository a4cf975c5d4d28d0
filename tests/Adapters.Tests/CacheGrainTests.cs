using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests;

/// <summary>CUS-2/3 and VSS-2/4: the caches live in grains, so they outlive an activation for exactly their TTL.</summary>
[Collection(SandboxClusterCollection.Name)]
public sealed class CacheGrainTests(SandboxClusterFixture fixture) : IAsyncLifetime
{
    private SandboxFixture Sandbox => fixture.Sandbox;

    public Task InitializeAsync() => Sandbox.ResetAsync();

    public Task DisposeAsync() => Sandbox.ResetAsync();

    [Fact]
    public async Task CUS_2_a_status_is_reused_for_24_hours_even_across_deactivation()
    {
        var customerId = "cust-" + Guid.NewGuid().ToString("N")[..8];
        var customer = fixture.Grains.GetGrain<ICustomerGrain>(customerId);

        var first = await customer.GetStatusAsync();
        await fixture.Cluster.DeactivateAsync(customer);
        fixture.Time.Advance(TimeSpan.FromHours(23));
        var cached = await customer.GetStatusAsync();
        fixture.Time.Advance(TimeSpan.FromHours(1));
        var refreshed = await customer.GetStatusAsync();

        Assert.False(first.FromCache);
        Assert.True(cached.FromCache);
        Assert.Equal(first.Profile, cached.Profile);
        Assert.False(refreshed.FromCache);
        Assert.Equal(2, (await Sandbox.RequestsAsync("customer")).Count(request => request.Path.EndsWith(customerId, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CUS_3_no_service_and_nothing_fresh_cached_is_a_clear_rejection()
    {
        await Sandbox.FaultAsync("customer", "down");

        var rejected = await Assert.ThrowsAsync<DomainException>(() =>
            fixture.Grains.GetGrain<ICustomerGrain>("cust-" + Guid.NewGuid().ToString("N")[..8]).GetStatusAsync());

        Assert.Equal(ErrorCodes.CustomerVerificationUnavailable, rejected.Code);
    }

    [Fact]
    public async Task CUS_3_a_timeout_with_nothing_cached_is_the_same_rejection()
    {
        await Sandbox.FaultAsync("customer", "timeout");

        var rejected = await Assert.ThrowsAsync<DomainException>(() => fixture.DriveAsync(
            fixture.Grains.GetGrain<ICustomerGrain>("cust-" + Guid.NewGuid().ToString("N")[..8]).GetStatusAsync()));

        Assert.Equal(ErrorCodes.CustomerVerificationUnavailable, rejected.Code);
    }

    [Fact]
    public async Task VSS_2_when_VSS_fails_a_result_younger_than_an_hour_answers_then_the_purchase_is_blocked()
    {
        var vin = (await Sandbox.FleetAsync())[2].Vin;
        var maintenance = fixture.Grains.GetGrain<IMaintenanceGrain>(vin);
        var fresh = await maintenance.CheckAsync();
        await Sandbox.FaultAsync("vss", "down", vin: vin);
        await fixture.Cluster.DeactivateAsync(maintenance);
        fixture.Time.Advance(TimeSpan.FromMinutes(50));

        var cached = await fixture.DriveAsync(maintenance.CheckAsync());
        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        var blocked = await Assert.ThrowsAsync<DomainException>(() => fixture.DriveAsync(maintenance.CheckAsync()));

        Assert.False(fresh.FromCache);
        Assert.True(cached.FromCache);
        Assert.Equal(fresh.Report, cached.Report);
        Assert.Equal(ErrorCodes.DependencyUnavailable, blocked.Code);
    }

    [Fact]
    public async Task VSS_4_while_the_VSS_breaker_is_open_the_cache_answers_without_calling_VSS()
    {
        var vin = (await Sandbox.FleetAsync())[3].Vin;
        var maintenance = fixture.Grains.GetGrain<IMaintenanceGrain>(vin);
        var fresh = await maintenance.CheckAsync();
        var breaker = fixture.SiloService<CaaS.Grains.Integration.CircuitBreakers>().For("vss")!;
        for (var i = 0; i < breaker.Policy.FailureThreshold; i++)
        {
            Assert.True(breaker.TryAcquire(out var probe));
            breaker.OnFailure(probe);
        }

        var before = (await Sandbox.RequestsAsync("vss")).Count;
        var cached = await maintenance.CheckAsync();

        Assert.True(cached.FromCache);
        Assert.Equal(fresh.Report, cached.Report);
        Assert.Equal(before, (await Sandbox.RequestsAsync("vss")).Count);

        // Past the cache's hour (longer than the break) VSS is asked again, through the half-open probe.
        fixture.Time.Advance(CaaS.Grains.Maintenance.MaintenanceGrain.CacheLifetime);
        Assert.False((await maintenance.CheckAsync()).FromCache);
        Assert.Equal(CaaS.Grains.Integration.CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task VSS_2_a_result_younger_than_an_hour_answers_without_asking_VSS_and_an_older_one_is_asked_for_again()
    {
        var vin = (await Sandbox.FleetAsync())[4].Vin;
        var maintenance = fixture.Grains.GetGrain<IMaintenanceGrain>(vin);
        var fresh = await maintenance.CheckAsync();
        var asked = (await Sandbox.RequestsAsync("vss")).Count(request => request.Path.Contains(vin, StringComparison.Ordinal));

        fixture.Time.Advance(TimeSpan.FromMinutes(59));
        var withinTheHour = await maintenance.CheckAsync();
        var askedWithinTheHour = (await Sandbox.RequestsAsync("vss")).Count(request => request.Path.Contains(vin, StringComparison.Ordinal));
        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        var afterTheHour = await maintenance.CheckAsync();
        var askedAfterTheHour = (await Sandbox.RequestsAsync("vss")).Count(request => request.Path.Contains(vin, StringComparison.Ordinal));

        Assert.False(fresh.FromCache);
        Assert.Equal(1, asked);
        Assert.True(withinTheHour.FromCache);
        Assert.Equal(fresh.CheckedAt, withinTheHour.CheckedAt);
        Assert.Equal(asked, askedWithinTheHour);
        Assert.False(afterTheHour.FromCache);
        Assert.Equal(asked + 1, askedAfterTheHour);
    }

    [Fact]
    public async Task Adapter_grains_answer_through_the_silos_clients()
    {
        var vin = (await Sandbox.FleetAsync())[0].Vin;

        var customer = await fixture.Grains.GetGrain<ICustomerAdapterGrain>(0).GetCustomerAsync("cust-1");
        var vehicles = await fixture.Grains.GetGrain<IFleetAdapterGrain>(0).ListVehiclesAsync();
        var vehicle = await fixture.Grains.GetGrain<IFleetAdapterGrain>(0).GetVehicleAsync(vin);
        var status = await fixture.Grains.GetGrain<IIotAdapterGrain>(0).GetStatusAsync(vin);
        var maintenance = await fixture.Grains.GetGrain<IVssAdapterGrain>(0).GetMaintenanceAsync(vin);
        var placed = await fixture.Grains.GetGrain<IFactoryAdapterGrain>(0).PlaceOrderAsync("order-g1", new VehicleSpec("ID.7", "Pro", "Black", "DE"));
        var order = await fixture.Grains.GetGrain<IFactoryAdapterGrain>(0).GetOrderAsync(placed.FactoryOrderId);
        var registration = await fixture.Grains.GetGrain<IRegistrationAdapterGrain>(0).RegisterAsync(
            new RegisterVehicle("FR", "WVWZZZ1JZXW444444", "ID.7", "cust-1", "order-g1/register"));
        var notification = await fixture.Grains.GetGrain<INotificationAdapterGrain>(0).SendAsync(
            new NotificationMessage("cust-1", "push", "STATUS_UPDATE", "Update", new Dictionary<string, string>()), "order-g1/status");
        var payments = fixture.Grains.GetGrain<IPaymentAdapterGrain>(0);
        var held = await payments.AuthorizeAsync(new AuthorizePayment("grain-test/authorize", Money.Eur(1_000), "pm_card_visa", "cust-1", "test",
            new Dictionary<string, string> { ["purchaseId"] = "grain-test" }));
        var captured = await payments.CaptureAsync(held.PaymentIntentId, Money.Eur(1_000), "grain-test/capture");
        var refund = await payments.RefundAsync(held.PaymentIntentId, null, "grain-test/refund");
        var read = await payments.GetAsync(held.PaymentIntentId);
        // Stripe's search lags behind writes (docs.stripe.com/search); the sandbox's too.
        var found = await Eventually.Until(() => payments.FindByMetadataAsync("purchaseId", "grain-test"), intents => intents.Count > 0, "the intent in the search index");
        var other = await payments.AuthorizeAsync(new AuthorizePayment("grain-test-2/authorize", Money.Eur(500), "pm_card_visa", "cust-1", "test",
            new Dictionary<string, string>()));
        var canceled = await payments.CancelAsync(other.PaymentIntentId, "grain-test-2/cancel");

        Assert.Equal("cust-1", customer.CustomerId);
        Assert.NotEmpty(vehicles);
        Assert.Equal(vin, vehicle!.Vin);
        Assert.Equal(vin, status.Vin);
        Assert.Equal(vin, maintenance.Vin);
        Assert.Equal(placed.FactoryOrderId, order.FactoryOrderId);
        Assert.Equal("WVWZZZ1JZXW444444", registration.Vin);
        Assert.False(string.IsNullOrEmpty(notification));
        Assert.Equal(PaymentStatus.Succeeded, captured.Status);
        Assert.Equal(Money.Eur(1_000), refund.Amount);
        Assert.Equal(held.PaymentIntentId, read.PaymentIntentId);
        Assert.Single(found);
        Assert.Equal(PaymentStatus.Canceled, canceled.Status);
    }
}

/// <summary>
/// IOT-5 through the silo. A cluster of its own: the cache tests move the silo's clock by hours, and
/// API IoT refuses signatures more than five minutes away from its own clock.
/// </summary>
public sealed class IotQueueOwnerTests(SandboxClusterFixture fixture) : IClassFixture<SandboxClusterFixture>, IAsyncLifetime
{
    private SandboxFixture Sandbox => fixture.Sandbox;

    public Task InitializeAsync() => Sandbox.ResetAsync();

    public Task DisposeAsync() => Sandbox.ResetAsync();

    [Fact]
    public async Task IOT_5_the_owner_of_a_queued_command_hears_its_command_id_when_it_is_finally_sent()
    {
        var vin = (await Sandbox.FleetAsync())[1].Vin;
        var iot = fixture.Grains.GetGrain<IIotAdapterGrain>(0);
        var owner = fixture.Grains.GetGrain<ICommandOwnerProbeGrain>("owner-" + Guid.NewGuid().ToString("N")[..6]);
        await Sandbox.FaultAsync("iot", "down");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
                iot.SendCommandAsync(new IotCommandRequest(vin, IotCommands.Lock, new Dictionary<string, string>(), $"trip-{i}", null)));
        }

        var queued = await iot.SendCommandAsync(new IotCommandRequest(vin, IotCommands.ActivateService,
            new Dictionary<string, string> { ["service"] = "ENHANCED_POWER" }, "purchase-1/attempt-1", owner.GetGrainId()));
        await Sandbox.FaultAsync("iot", "ok");
        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        await fixture.SiloService<CaaS.Grains.Integration.Iot.IotDispatcher>().DrainAsync();
        // The silo's own drainer may have sent it first; either way the owner hears once.
        var heard = await Eventually.Until(() => owner.GetHeardAsync(), found => found.Count > 0, "the owner to hear of its command");

        Assert.Equal(IotDispatchStatus.Queued, queued.Status);
        var (correlationId, dispatch) = Assert.Single(heard);
        Assert.Equal("purchase-1/attempt-1", correlationId);
        Assert.Equal(IotDispatchStatus.Accepted, dispatch.Status);
        Assert.False(string.IsNullOrEmpty(dispatch.CommandId));
    }
}

public interface ICommandOwnerProbeGrain : IIotCommandOwner
{
    Task<List<(string CorrelationId, IotDispatch Dispatch)>> GetHeardAsync();
}

public sealed class CommandOwnerProbeGrain : Grain, ICommandOwnerProbeGrain
{
    private readonly List<(string, IotDispatch)> _heard = [];

    public Task OnIotCommandDispatchedAsync(string correlationId, IotDispatch dispatch)
    {
        _heard.Add((correlationId, dispatch));
        return Task.CompletedTask;
    }

    public Task<List<(string CorrelationId, IotDispatch Dispatch)>> GetHeardAsync() => Task.FromResult(_heard);
}
