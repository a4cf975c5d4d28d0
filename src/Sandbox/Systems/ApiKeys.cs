using System.Security.Cryptography;
using System.Text;

namespace CaaS.Sandbox.Systems;

/// <summary>The X-Api-Key check of the systems that use one, against the same configuration key the platform sends from.</summary>
public static class ApiKeys
{
    public static RouteGroupBuilder RequireApiKey(this RouteGroupBuilder group, string configurationSection)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var configuration = context.HttpContext.RequestServices.GetRequiredService<IConfiguration>();
            var expected = configuration[$"Integrations:{configurationSection}:ApiKey"];
            var presented = context.HttpContext.Request.Headers["X-Api-Key"].ToString();
            return Matches(expected, presented)
                ? await next(context)
                : Results.Json(new { error = "invalid or missing X-Api-Key" }, statusCode: StatusCodes.Status401Unauthorized);
        });
        return group;
    }

    public static bool Matches(string? expected, string? presented) =>
        !string.IsNullOrEmpty(expected) && presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
}
