using CaaS.Adapters.Tests.Support;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Integration.Customer;
using CaaS.Grains.Integration.Factory;
using CaaS.Grains.Integration.Fleet;
using CaaS.Grains.Integration.Iot;
using CaaS.Grains.Integration.Notifications;
using CaaS.Grains.Integration.Payments;
using CaaS.Grains.Integration.Registration;
using CaaS.Grains.Integration.Vss;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests;

/// <summary>
/// TST-2: every request and response of every external API, sent by the production adapters over
/// HTTP to the sandbox and read back into the platform's own types (docs/external-systems.md).
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ContractTests(SandboxFixture sandbox) : IAsyncLifetime
{
    private readonly AdapterHarness _harness = new(sandbox);

    public Task InitializeAsync() => sandbox.ResetAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [InlineData("cust-1", KycStatus.Verified, true, 720)]
    [InlineData("cust-kyc-pending", KycStatus.Pending, true, 720)]
    [InlineData("cust-license-invalid", KycStatus.Verified, false, 720)]
    [InlineData("cust-low-credit", KycStatus.Verified, true, 480)]
    public async Task CUS_1_customer_status(string customerId, KycStatus kyc, bool licence, int credit)
    {
        var profile = await _harness.Get<CustomerClient>().GetAsync(customerId);

        Assert.Equal(new CustomerProfile(customerId, kyc, licence, credit), profile);
    }

    [Fact]
    public async Task PAY_1_to_3_authorise_capture_refund_and_cancel_through_Stripe_net()
    {
        var stripe = _harness.Get<StripePaymentClient>();
        var reservation = "res-" + Guid.NewGuid().ToString("N")[..8];
        var authorize = new AuthorizePayment($"{reservation}/authorize", Money.Eur(12_345), "pm_card_visa", "cust-1", "Rental " + reservation,
            new Dictionary<string, string> { ["reservationId"] = reservation });

        var held = await stripe.AuthorizeAsync(authorize);
        var replayed = await stripe.AuthorizeAsync(authorize);
        var captured = await stripe.CaptureAsync(held.PaymentIntentId, Money.Eur(10_000), $"{reservation}/capture");
        var refund = await stripe.RefundAsync(held.PaymentIntentId, Money.Eur(2_000), $"{reservation}/refund");
        // Stripe's search lags behind writes (docs.stripe.com/search); the sandbox's too.
        var found = await Eventually.Until(() => stripe.FindByMetadataAsync("reservationId", reservation), intents => intents.Count > 0, "the intent in the search index");
        var read = await stripe.GetAsync(held.PaymentIntentId);

        Assert.Equal(PaymentStatus.RequiresCapture, held.Status);
        Assert.Equal((Money.Eur(12_345), Money.Eur(12_345)), (held.Amount, held.AmountCapturable));
        Assert.Equal(reservation, held.Metadata["reservationId"]);
        Assert.Equal("cust-1", held.Metadata["customerId"]);
        Assert.Equal(held.PaymentIntentId, replayed.PaymentIntentId);
        Assert.Equal((PaymentStatus.Succeeded, Money.Eur(10_000)), (captured.Status, captured.AmountReceived));
        Assert.Equal((held.PaymentIntentId, Money.Eur(2_000), "succeeded"), (refund.PaymentIntentId, refund.Amount, refund.Status));
        Assert.Equal(held.PaymentIntentId, Assert.Single(found).PaymentIntentId);
        Assert.Equal(PaymentStatus.Succeeded, read.Status);
        var held2 = await stripe.AuthorizeAsync(authorize with { IdempotencyKey = $"{reservation}-2/authorize" });
        Assert.Equal(PaymentStatus.Canceled, (await stripe.CancelAsync(held2.PaymentIntentId, $"{reservation}-2/cancel")).Status);
    }

    [Fact]
    public async Task WH_6_Stripe_events_are_listed_oldest_first_after_a_cursor_and_read_whatever_API_version_rendered_them()
    {
        var stripe = _harness.Get<StripePaymentClient>();
        var reservation = "res-" + Guid.NewGuid().ToString("N")[..8];
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var intents = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var held = await stripe.AuthorizeAsync(new AuthorizePayment($"{reservation}-{i}/authorize", Money.Eur(1_000 + i), "pm_card_visa", "cust-1",
                "Rental " + reservation, new Dictionary<string, string> { ["reservationId"] = $"{reservation}-{i}" }));
            await stripe.CaptureAsync(held.PaymentIntentId, Money.Eur(1_000 + i), $"{reservation}-{i}/capture");
            intents.Add(held.PaymentIntentId);
        }

        var types = new[] { StripeEventTypes.PaymentSucceeded };
        var all = await stripe.ListEventsAsync(new StripeEventQuery(null, since, types));
        var ours = all.Events.Select(StripeEventReader.Read).OfType<StripeEventReading.Accepted>()
            .Where(reading => intents.Contains(reading.Message.Event.PaymentIntentId)).ToArray();
        var after = await stripe.ListEventsAsync(new StripeEventQuery(ours[0].EventId, since, types));
        var afterOurs = after.Events.Select(StripeEventReader.Read).OfType<StripeEventReading.Accepted>()
            .Where(reading => intents.Contains(reading.Message.Event.PaymentIntentId)).ToArray();
        var forgotten = await Assert.ThrowsAsync<DependencyRejectedException>(() => stripe.ListEventsAsync(new StripeEventQuery("evt_never_sent", since, types)));

        Assert.False(all.HasMore);
        Assert.Equal(intents, ours.Select(reading => reading.Message.Event.PaymentIntentId));
        Assert.All(ours, reading => Assert.Equal((PaymentEventKind.Succeeded, StripeEventTypes.PaymentSucceeded), (reading.Message.Event.Kind, reading.Message.Event.SourceType)));
        Assert.Equal(intents.Select((_, i) => $"{reservation}-{i}"), ours.Select(reading => reading.Message.ReservationId));
        Assert.Equal(intents.Skip(1), afterOurs.Select(reading => reading.Message.Event.PaymentIntentId));
        Assert.Equal(400, forgotten.StatusCode);
    }

    [Fact]
    public async Task PAY_5_a_declined_card_is_a_decline_not_a_failure()
    {
        var declined = await Assert.ThrowsAsync<PaymentDeclinedException>(() => _harness.Get<StripePaymentClient>().AuthorizeAsync(
            new AuthorizePayment("decline-" + Guid.NewGuid().ToString("N"), Money.Eur(5_000), "pm_card_chargeDeclined", "cust-1", "declined",
                new Dictionary<string, string>())));

        Assert.Equal("generic_decline", declined.DeclineCode);
        Assert.Single(await sandbox.RequestsAsync("stripe"));
    }

    [Fact]
    public async Task FLT_4_fleet_vehicles_are_listed_and_looked_up_and_an_unknown_VIN_is_null()
    {
        var fleet = _harness.Get<FleetClient>();
        var seeded = await sandbox.FleetAsync();

        var all = await fleet.ListAsync();
        var one = await fleet.GetAsync(seeded[0].Vin);
        var unknown = await fleet.GetAsync("WVWZZZ1JZXW000000");

        Assert.Equal(seeded.Select(vehicle => vehicle.Vin).Order(), all.Select(vehicle => vehicle.Vin).Order());
        Assert.Contains(all, vehicle => vehicle.Category == "van");
        Assert.Contains(all, vehicle => vehicle.Category == "car");
        Assert.Equal((seeded[0].VehicleId, seeded[0].Model), (one!.VehicleId, one.Model));
        Assert.NotEqual(VehicleStatus.Unknown, one.Status);
        Assert.Null(unknown);
    }

    [Fact]
    public async Task FAC_1_and_FAC_4_an_order_is_placed_once_per_reference_and_read_back()
    {
        var factory = _harness.Get<FactoryClient>();
        var reference = "order-" + Guid.NewGuid().ToString("N")[..8];
        var spec = new VehicleSpec("ID.4", "Pro", "Moonstone Grey", "ES");

        var placed = await factory.PlaceAsync(reference, spec);
        var repeated = await factory.PlaceAsync(reference, spec);
        var read = await factory.GetAsync(placed.FactoryOrderId);

        Assert.Equal(placed.FactoryOrderId, repeated.FactoryOrderId);
        Assert.True(placed.EstimatedCompletionDate > DateTimeOffset.UtcNow);
        Assert.Equal((placed.FactoryOrderId, reference, "PLACED"), (read.FactoryOrderId, read.Reference, read.Status));
        Assert.Null(read.Vin);
    }

    [Fact]
    public async Task IOT_1_2_and_6_a_signed_command_is_acknowledged_then_completes_as_status_shows()
    {
        var iot = _harness.Get<IotClient>();
        var vin = (await sandbox.FleetAsync())[0].Vin;

        var commandId = await iot.ConfigureAsync(vin, IotCommands.Unlock, new Dictionary<string, string> { ["reservationId"] = "r-1" });
        var completed = await Eventually.Until(() => iot.GetStatusAsync(vin),
            status => status.Commands.Any(command => command.CommandId == commandId && command.IsCompleted), "the unlock to complete");

        Assert.Equal(vin, completed.Vin);
        Assert.InRange(completed.Telemetry.EnergyPercent, 0, 100);
        Assert.True(completed.LastContact > DateTimeOffset.UtcNow.AddDays(-1));
        var request = (await sandbox.RequestsAsync("iot"))[0];
        Assert.Equal(202, request.Status);
    }

    [Fact]
    public async Task IOT_2_any_well_formed_VIN_has_telemetry()
    {
        var status = await _harness.Get<IotClient>().GetStatusAsync("YS3DD78N4X7055320");

        Assert.Equal("YS3DD78N4X7055320", status.Vin);
        Assert.Empty(status.Commands);
    }

    [Fact]
    public async Task VSS_1_and_3_maintenance_is_read_with_a_client_credentials_token()
    {
        var vss = _harness.Get<VssClient>();
        var fleet = await sandbox.FleetAsync();
        var overdue = fleet.Single(vehicle => vehicle.MaintenanceOverdue);
        var current = fleet.First(vehicle => !vehicle.MaintenanceOverdue);

        var late = await vss.GetMaintenanceAsync(overdue.Vin);
        var fine = await vss.GetMaintenanceAsync(current.Vin);

        Assert.Equal(MaintenanceState.Overdue, late.Status);
        Assert.Equal(MaintenanceState.Current, fine.Status);
        Assert.InRange(fine.Percentage, 0, 100);
        var requests = await sandbox.RequestsAsync("vss");
        Assert.Equal(["/oauth/token", $"/api/v2/vehicles/{overdue.Vin}/maintenance", $"/api/v2/vehicles/{current.Vin}/maintenance"],
            requests.Select(request => request.Path));
    }

    [Fact]
    public async Task VSS_3_the_token_is_refreshed_before_it_expires()
    {
        var vss = _harness.Get<VssClient>();
        var vin = (await sandbox.FleetAsync())[0].Vin;

        await vss.GetMaintenanceAsync(vin);
        _harness.Time.Advance(TimeSpan.FromSeconds(230));
        await vss.GetMaintenanceAsync(vin);
        _harness.Time.Advance(TimeSpan.FromSeconds(15));
        await vss.GetMaintenanceAsync(vin);

        // 300 s tokens are renewed a minute early: the call at 245 s fetched a new one first.
        Assert.Equal(2, (await sandbox.RequestsAsync("vss")).Count(request => request.Path == "/oauth/token"));
    }

    [Theory]
    [InlineData("ES")]
    [InlineData("DE")]
    public async Task REG_1_and_2_a_vehicle_is_registered_with_its_countrys_body_once_per_key(string country)
    {
        var registration = _harness.Get<RegistrationClient>();
        var vin = "WVWZZZ1JZXW" + Random.Shared.Next(100000, 999999);
        var command = new RegisterVehicle(country, vin, "ID.4", "cust-1", $"order-{vin}/register");

        var first = await registration.RegisterAsync(command);
        var again = await registration.RegisterAsync(command);

        Assert.Equal((vin, country.ToLowerInvariant()), (first.Vin, first.Country.ToLowerInvariant()));
        Assert.False(string.IsNullOrWhiteSpace(first.PlateNumber));
        Assert.Equal(first.RegistrationId, again.RegistrationId);
        Assert.All(await sandbox.RequestsAsync("registration"),
            request => Assert.StartsWith($"/countries/{country.ToLowerInvariant()}/", request.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task REG_2_a_country_without_a_registration_body_is_rejected()
    {
        var rejected = await Assert.ThrowsAsync<DependencyRejectedException>(() => _harness.Get<RegistrationClient>()
            .RegisterAsync(new RegisterVehicle("ZZ", "WVWZZZ1JZXW123456", "ID.4", "cust-1", "order-x/register")));

        Assert.Equal(404, rejected.StatusCode);
    }

    [Fact]
    public async Task NOT_1_a_notification_is_recorded_once_per_idempotency_key()
    {
        var notifications = _harness.Get<NotificationClient>();
        var to = "cust-" + Guid.NewGuid().ToString("N")[..8];
        var message = new NotificationMessage(to, NotificationChannels.Email, "VEHICLE_READY", "Your car is ready",
            new Dictionary<string, string> { ["orderId"] = "o-1" });

        var first = await notifications.SendAsync(message, $"o-1/ready/{to}");
        var again = await notifications.SendAsync(message, $"o-1/ready/{to}");
        var sent = await sandbox.GetAsync($"/sandbox/notifications?to={to}");

        Assert.Equal(first, again);
        Assert.Equal(1, sent.GetArrayLength());
        Assert.Equal("VEHICLE_READY", sent[0].GetProperty("template").GetString());
    }
}
