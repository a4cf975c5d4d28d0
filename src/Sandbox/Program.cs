using CaaS.Hosting;
using CaaS.Sandbox.Control;
using CaaS.Sandbox.Identity;
using CaaS.Sandbox.Stripe;
using CaaS.Sandbox.Systems;
using CaaS.Sandbox.Webhooks;

// Content root is the build output, so appsettings.json is found whatever directory the host starts from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// SEC-5: the sandbox plays the external systems with config/local.json's credentials, which exist
// for Development only; started as anything else it would either hold no credentials or invite
// someone to give it production ones.
if (!builder.Environment.IsDevelopment())
{
    await Console.Error.WriteLineAsync(
        $"The sandbox runs in the Development environment only (it is {builder.Environment.EnvironmentName}): set DOTNET_ENVIRONMENT=Development.");
    return 1;
}

builder.AddCaaSLocalDefaults();
builder.AddFactoryTls();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<SigningKeys>();
builder.Services.AddSingleton<TokenIssuer>();
builder.Services.AddSingleton<ServiceClients>();
builder.Services.AddSingleton<FaultRegistry>();
builder.Services.AddSingleton<RequestLog>();
builder.Services.AddSingleton<WebhookDispatcher>();
builder.Services.AddHttpClient(WebhookDispatcher.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
builder.Services.AddSingleton<FleetManagement>();
builder.Services.AddSingleton<FleetEventStream>();
builder.Services.AddSingleton<Factory>();
builder.Services.AddSingleton<ApiIot>();
builder.Services.AddSingleton<Vss>();
builder.Services.AddSingleton<RegistrationBodies>();
builder.Services.AddSingleton<Notifications>();
builder.Services.AddSingleton<StripeLedger>();
builder.Services.AddSingleton<StripeCustomers>();
builder.Services.AddSingleton<StripeEvents>();

var app = builder.Build();
app.UseExceptionHandler();
app.UseMiddleware<FaultMiddleware>();
app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }));
app.MapGet("/health/ready", () => TypedResults.Ok(new { status = "ready" }));
app.MapIdentityProvider();
app.MapFaultControl();
app.MapCustomerManagement();
app.MapStripe();
app.MapFleetManagement();
app.MapFactory();
app.MapApiIot();
app.MapVss();
app.MapRegistrationBodies();
app.MapNotifications();
app.MapGet("/sandbox/webhooks", (WebhookDispatcher webhooks) => Results.Ok(webhooks.Deliveries));
await app.RunAsync();
return 0;

public partial class Program;
