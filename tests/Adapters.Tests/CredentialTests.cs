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
            await CallAsync(harness, system, vin);
        }
    }

    private static Task CallAsync(AdapterHarness harness, string system, string vin) => system switch
    {
        "customer" => harness.Get<CustomerClient>().GetAsync("cust-1"),
        "stripe" => harness.Get<StripePaymentClient>().AuthorizeAsync(new AuthorizePayment("cred-" + Guid.NewGuid().ToString("N"),
            Money.Eur(100), "pm_card_visa", "cust-1", "credentials", new Dictionary<string, string>())),
        "fleet" => harness.Get<FleetClient>().ListAsync(),
        "factory" => harness.Get<FactoryClient>().GetAsync("unknown-order").ContinueWith(task =>
            task.Exception?.InnerException is DependencyRejectedException { StatusCode: 404 } ? Task.CompletedTask : task, TaskScheduler.Default).Unwrap(),
        "iot" => harness.Get<IotClient>().GetStatusAsync(vin),
        "vss" => harness.Get<VssClient>().GetMaintenanceAsync(vin),
        "registration" => harness.Get<RegistrationClient>().RegisterAsync(new RegisterVehicle("ES", vin, "ID.4", "cust-1", "cred-" + Guid.NewGuid().ToString("N"))),
        "notifications" => harness.Get<NotificationClient>().SendAsync(new NotificationMessage("cust-1", "email", "STATUS_UPDATE", "s",
            new Dictionary<string, string>()), "cred-" + Guid.NewGuid().ToString("N")),
        _ => throw new ArgumentOutOfRangeException(nameof(system), system, null),
    };
}
