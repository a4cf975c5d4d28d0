using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Customer;
using CaaS.Grains.Integration.Factory;
using CaaS.Grains.Integration.Fleet;
using CaaS.Grains.Integration.Iot;
using CaaS.Grains.Integration.Notifications;
using CaaS.Grains.Integration.Payments;
using CaaS.Grains.Integration.Registration;
using CaaS.Grains.Integration.Vss;

namespace CaaS.Adapters.Tests;

/// <summary>SEC-3: each adapter authenticates as its system requires, and the sandbox refuses a wrong credential.</summary>
[Collection(SandboxCollection.Name)]
public sealed class CredentialTests(SandboxFixture sandbox) : IAsyncLifetime
{
    public Task InitializeAsync() => sandbox.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string> WrongCredentials => new()
    {
        { "Integrations:Customer:ApiKey", "customer" },
        { "Integrations:Stripe:SecretKey", "stripe" },
        { "Integrations:Fleet:ApiKey", "fleet" },
        { "Integrations:Factory:ApiKey", "factory" },
        { "Integrations:Iot:PreSharedKey", "iot" },
        { "Integrations:Vss:ClientSecret", "vss" },
        { "Integrations:Registration:ApiKey", "registration" },
        { "Integrations:Notifications:ApiKey", "notifications" },
    };

    [Theory]
    [MemberData(nameof(WrongCredentials))]
    public async Task A_wrong_credential_is_refused_and_reported_as_such(string setting, string system)
    {
        await using var harness = new AdapterHarness(sandbox, new Dictionary<string, string?> { [setting] = "wrong-" + Guid.NewGuid().ToString("N") });
        var vin = (await sandbox.FleetAsync())[0].Vin;

        var refused = await Assert.ThrowsAsync<DependencyRejectedException>(() => CallAsync(harness, system, vin));

        Assert.Equal(system, refused.System);
        Assert.Equal(DependencyRejectedException.CredentialsRefused, refused.Reason);
        Assert.Equal(401, refused.StatusCode);
    }

    [Fact]
    public async Task The_right_credentials_are_accepted_by_every_system()
    {
        await using var harness = new AdapterHarness(sandbox);
        var vin = (await sandbox.FleetAsync())[0].Vin;

        foreach (var system in ExternalSystem.All)
        {
            // The Factory knows no order by that id: its 404 is an answer only a caller it let in gets.
            var answer = system == ExternalSystem.Factory
                ? await Assert.ThrowsAsync<DependencyRejectedException>(() => CallAsync(harness, system, vin))
                : await CallAsync(harness, system, vin);

            AssertAnswered(system, vin, answer);
            Assert.All(await sandbox.RequestsUntilAsync(system, 1), request => Assert.NotEqual(401, request.Status));
        }
    }

    /// <summary>What each system answers a caller it accepts, as the sandbox seeds it.</summary>
    private static void AssertAnswered(string system, string vin, object answer)
    {
        switch (system)
        {
            case "customer":
                Assert.Equal(new CustomerProfile("cust-1", KycStatus.Verified, true, 720), answer);
                break;
            case "stripe":
                var held = Assert.IsType<PaymentRecord>(answer);
                Assert.Equal((PaymentStatus.RequiresCapture, Money.Eur(100)), (held.Status, held.Amount));
                break;
            case "fleet":
                Assert.Contains(Assert.IsAssignableFrom<IReadOnlyList<FleetVehicle>>(answer), vehicle => vehicle.Vin == vin);
                break;
            case "factory":
                var missing = Assert.IsType<DependencyRejectedException>(answer);
                Assert.Equal((404, ExternalSystem.Factory), (missing.StatusCode, missing.System));
                Assert.NotEqual(DependencyRejectedException.CredentialsRefused, missing.Reason);
                break;
            case "iot":
                Assert.Equal(vin, Assert.IsType<IotVehicleStatus>(answer).Vin);
                break;
            case "vss":
                Assert.Equal(vin, Assert.IsType<MaintenanceReport>(answer).Vin);
                break;
            case "registration":
                var registration = Assert.IsType<VehicleRegistration>(answer);
                Assert.Equal((vin, "es"), (registration.Vin, registration.Country.ToLowerInvariant()));
                Assert.False(string.IsNullOrWhiteSpace(registration.PlateNumber));
                break;
            case "notifications":
                Assert.False(string.IsNullOrWhiteSpace(Assert.IsType<string>(answer)));
                break;
            default:
                Assert.Fail($"no expected answer for {system}");
                break;
        }
    }

    private static async Task<object> CallAsync(AdapterHarness harness, string system, string vin) => system switch
    {
        "customer" => await harness.Get<CustomerClient>().GetAsync("cust-1"),
        "stripe" => await harness.Get<StripePaymentClient>().AuthorizeAsync(new AuthorizePayment("cred-" + Guid.NewGuid().ToString("N"),
            Money.Eur(100), "pm_card_visa", "cust-1", "credentials", new Dictionary<string, string>())),
        "fleet" => await harness.Get<FleetClient>().ListAsync(),
        "factory" => await harness.Get<FactoryClient>().GetAsync("unknown-order"),
        "iot" => await harness.Get<IotClient>().GetStatusAsync(vin),
        "vss" => await harness.Get<VssClient>().GetMaintenanceAsync(vin),
        "registration" => await harness.Get<RegistrationClient>().RegisterAsync(new RegisterVehicle("ES", vin, "ID.4", "cust-1", "cred-" + Guid.NewGuid().ToString("N"))),
        "notifications" => await harness.Get<NotificationClient>().SendAsync(new NotificationMessage("cust-1", "email", "STATUS_UPDATE", "s",
            new Dictionary<string, string>()), "cred-" + Guid.NewGuid().ToString("N")),
        _ => throw new ArgumentOutOfRangeException(nameof(system), system, null),
    };
}
