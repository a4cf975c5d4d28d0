using CaaS.ApiHost;
using CaaS.ApiHost.Admin;
using CaaS.ApiHost.Endpoints;
using CaaS.Hosting;

// Content root is the build output, so appsettings.json is found whatever directory the host starts from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCaasLocalDefaults();
builder.UseOrleansClient(client => client.AddCaaSClient(builder.Configuration));
builder.AddCaasTelemetry("caas-api");
builder.Services.AddCaasHealthChecks();
builder.Services.AddCaasProblems();
builder.Services.AddCaasAuthentication(builder.Configuration);
builder.Services.AddCaasWebhooks(builder.Configuration);
builder.Services.AddCaasAdmin();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapCaasHealth();
app.MapCaasMetrics();
app.MapRentalsApi();
app.MapOrdersApi();
app.MapServicesApi();
app.MapVehiclesApi();
app.MapWebhooksApi();
app.MapAnalyticsApi();
app.MapAdminApi();
await app.RunAsync();

/// <summary>Lets WebApplicationFactory-based tests find the entry point.</summary>
public partial class Program;
