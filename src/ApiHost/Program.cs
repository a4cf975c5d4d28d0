using CaaS.ApiHost;
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

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.MapCaasHealth();
app.MapCaasMetrics();
app.MapVehiclesApi();
await app.RunAsync();

/// <summary>Lets WebApplicationFactory-based tests find the entry point.</summary>
public partial class Program;
