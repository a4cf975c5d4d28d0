using CaaS.Hosting;
using CaaS.Sandbox.Identity;

// Content root is the build output, so appsettings.json is found whatever directory the host starts from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCaasLocalDefaults();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<TokenIssuer>();

var app = builder.Build();
app.UseExceptionHandler();
app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }));
app.MapGet("/health/ready", () => TypedResults.Ok(new { status = "ready" }));
app.MapIdentityProvider();
await app.RunAsync();
