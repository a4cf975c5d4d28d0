using CaaS.Hosting;
using CaaS.Silo;

// Content root is the build output, so appsettings.json is found whatever directory the host starts from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCaasLocalDefaults();

if (args is ["migrate", ..])
{
    return await SchemaMigrator.RunAsync(builder.Configuration);
}

builder.UseOrleans(silo => silo.AddCaaS(builder.Configuration));
builder.AddCaasTelemetry("caas-silo");
builder.Services.AddCaasHealthChecks();

var app = builder.Build();
app.MapCaasHealth();
app.MapCaasMetrics();
await app.RunAsync();
return 0;
