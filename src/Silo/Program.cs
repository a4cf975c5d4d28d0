using CaaS.Hosting;
using CaaS.Silo;

// Content root is the build output, so appsettings.json is found whatever directory the host starts from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddCaaSLocalDefaults();

if (args is ["migrate", ..])
{
    return await SchemaMigrator.RunAsync(builder.Configuration);
}

builder.UseOrleans(silo => silo.AddCaaS(builder.Configuration).AddCaaSDashboard(builder.Configuration));
// Issue 14's crash tests arm this fault point; no other environment ever reads it.
if (builder.Environment.IsDevelopment() && builder.Configuration[CaaS.Grains.Events.PublicationFault.Setting] is { Length: > 0 } faultKind)
{
    builder.Services.AddSingleton(new CaaS.Grains.Events.PublicationFault(faultKind));
}
builder.AddCaaSTelemetry("caas-silo");
builder.Services.AddCaaSHealthChecks();

var app = builder.Build();
app.MapCaaSHealth();
app.MapCaaSMetrics();
app.MapCaaSDashboard(builder.Configuration);
return await app.RunOrRefuseAsync();
