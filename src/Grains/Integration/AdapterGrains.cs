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
using Orleans.Concurrency;

namespace CaaS.Grains.Integration;

// The adapter grains: stateless workers, one per external system, each the only code that calls its
// system. They hold no state of their own: the typed clients, pipelines and breakers they use are
// silo singletons, so every activation shares one breaker per system. Entity grains call these, and
// decide the business outcome from the answers and the IntegrationException they get.

[StatelessWorker]
public sealed class CustomerAdapterGrain(CustomerClient client) : Grain, ICustomerAdapterGrain
{
    public Task<CustomerProfile> GetCustomerAsync(string customerId) => client.GetAsync(customerId);
}

[StatelessWorker]
public sealed class PaymentAdapterGrain(StripePaymentClient client) : Grain, IPaymentAdapterGrain
{
    public Task<PaymentRecord> AuthorizeAsync(AuthorizePayment command) => client.AuthorizeAsync(command);

    public Task<string> CreateCustomerAsync(string customerId, string idempotencyKey) => client.CreateCustomerAsync(customerId, idempotencyKey);

    public Task<SetupRecord> SetUpAsync(SetUpPayment command) => client.SetUpAsync(command);

    public Task<SetupRecord> GetSetupAsync(string setupIntentId) => client.GetSetupAsync(setupIntentId);

    public Task<PaymentRecord> IncrementAuthorizationAsync(string paymentIntentId, Money amount, string idempotencyKey) =>
        client.IncrementAuthorizationAsync(paymentIntentId, amount, idempotencyKey);

    public Task<PaymentRecord> CaptureAsync(string paymentIntentId, Money amount, string idempotencyKey) =>
        client.CaptureAsync(paymentIntentId, amount, idempotencyKey);

    public Task<PaymentRecord> CancelAsync(string paymentIntentId, string idempotencyKey) => client.CancelAsync(paymentIntentId, idempotencyKey);

    public Task<RefundRecord> RefundAsync(string paymentIntentId, Money? amount, string idempotencyKey) =>
        client.RefundAsync(paymentIntentId, amount, idempotencyKey);

    public Task<PaymentRecord> GetAsync(string paymentIntentId) => client.GetAsync(paymentIntentId);

    public Task<IReadOnlyList<PaymentRecord>> FindByMetadataAsync(string key, string value) => client.FindByMetadataAsync(key, value);

    public Task<IReadOnlyList<PaymentRecord>> ListAsync(DateTimeOffset? from, DateTimeOffset? before) => client.ListAsync(from, before);

    public Task<IReadOnlyList<RefundRecord>> ListRefundsAsync(string paymentIntentId) => client.ListRefundsAsync(paymentIntentId);

    public Task<StripeEventPage> ListEventsAsync(StripeEventQuery query) => client.ListEventsAsync(query);

    public Task<IReadOnlyList<string>> DeleteCustomersAsync(string customerId, IReadOnlyList<string>? known = null) =>
        client.DeleteCustomersAsync(customerId, known ?? []);
}

[StatelessWorker]
public sealed class FleetAdapterGrain(FleetClient client) : Grain, IFleetAdapterGrain
{
    public Task<IReadOnlyList<FleetVehicle>> ListVehiclesAsync() => client.ListAsync();

    public Task<FleetVehicle?> GetVehicleAsync(string vin) => client.GetAsync(vin);
}

[StatelessWorker]
public sealed class FactoryAdapterGrain(FactoryClient client) : Grain, IFactoryAdapterGrain
{
    public Task<FactoryOrderPlacement> PlaceOrderAsync(string reference, VehicleSpec spec) => client.PlaceAsync(reference, spec);

    public Task<FactoryOrderReport> GetOrderAsync(string factoryOrderId) => client.GetAsync(factoryOrderId);
}

[StatelessWorker]
public sealed class IotAdapterGrain(IotDispatcher dispatcher, IotClient client) : Grain, IIotAdapterGrain
{
    public Task<IotDispatch> SendCommandAsync(IotCommandRequest request) => dispatcher.SendAsync(request);

    public Task<IotVehicleStatus> GetStatusAsync(string vin) => client.GetStatusAsync(vin);

    public Task<IotVehicleStatus> PollStatusAsync(string vin) => client.PollStatusAsync(vin);
}

[StatelessWorker]
public sealed class VssAdapterGrain(VssClient client) : Grain, IVssAdapterGrain
{
    public Task<MaintenanceReport> GetMaintenanceAsync(string vin) => client.GetMaintenanceAsync(vin);
}

[StatelessWorker]
public sealed class RegistrationAdapterGrain(RegistrationClient client) : Grain, IRegistrationAdapterGrain
{
    public Task<VehicleRegistration> RegisterAsync(RegisterVehicle command) => client.RegisterAsync(command);
}

[StatelessWorker]
public sealed class NotificationAdapterGrain(NotificationClient client) : Grain, INotificationAdapterGrain
{
    public Task<string> SendAsync(NotificationMessage message, string idempotencyKey) => client.SendAsync(message, idempotencyKey);
}
