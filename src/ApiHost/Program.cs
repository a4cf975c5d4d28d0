using CaaS.ApiHost;
using CaaS.ApiHost.Admin;
using CaaS.ApiHost.Endpoints;
using CaaS.ApiHost.OpenApi;
using CaaS.Hosting;

// Content root is the build output, so appsettings.json is found whatever directory the host starts from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddCaaSLocalDefaults();
builder.UseOrleansClient(client => client.AddCaaSClient(builder.Configuration));
builder.AddCaaSTelemetry("caas-api");
builder.Services.AddCaaSHealthChecks();
builder.Services.AddCaaSProblems();
builder.Services.AddCaaSAuthentication();
builder.Services.AddCaaSWebhooks();
builder.Services.AddCaaSForwardedHeaders();
builder.Services.AddCaaSRateLimits();
builder.Services.AddCaaSAdmin();
builder.Services.AddCaaSOpenApi();
builder.Services.AddSingleton(TimeProvider.System);
// SEC-4: no call takes more than 1 MiB (Kestrel's default is 30 MB); /graphql (64 KiB) and the webhooks (256 KiB) take less still.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);

var app = builder.Build();
app.UseCaaSForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapCaaSHealth();
app.MapCaaSMetrics();
app.MapRentalsApi();
app.MapOrdersApi();
app.MapServicesApi();
app.MapVehiclesApi();
app.MapWebhooksApi();
app.MapAnalyticsApi();
app.MapBookingEventsApi();
app.MapAdminApi();
app.MapCaaSApiDescription();
return await app.RunOrRefuseAsync();

/// <summary>Lets WebApplicationFactory-based tests find the entry point.</summary>
public partial class Program;
