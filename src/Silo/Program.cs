using CaaS.Hosting;
using CaaS.Silo;

// Content root is the build output, so appsettings.json is found whatever directory the host starts from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddCaaSLocalDefaults();

if (args is ["migrate", ..])
{
    return await SchemaMigrator.RunAsync(builder.Configuration);
}

builder.UseOrleans(silo => silo.AddCaaS(builder.Configuration));
builder.AddCaaSTelemetry("caas-silo");
builder.Services.AddCaaSHealthChecks();

var app = builder.Build();
app.MapCaaSHealth();
app.MapCaaSMetrics();
return await app.RunOrRefuseAsync();
