using CaaS.Sandbox.Systems;

namespace CaaS.Sandbox.Identity;

/// <summary>
/// SEC-6: the service clients the issuer knows for the client_credentials grant,
/// <c>Sandbox:Identity:Clients:&lt;clientId&gt;:Secret</c> and <c>:Role</c> (config/local.json seeds
/// <c>caas-forecaster</c> with role analytics and <c>caas-ops-tool</c> with role ops).
/// </summary>
public sealed class ServiceClients(IConfiguration configuration)
{
    public const string Section = "Sandbox:Identity:Clients";

    /// <returns>The client's role, or null when the id and secret do not name a client with a known role.</returns>
    public string? Authenticate(string? clientId, string? secret)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return null;
        }

        var client = configuration.GetSection(Section).GetSection(clientId);
        var role = client["Role"];
        return ApiKeys.Matches(client["Secret"], secret) && TokenIssuer.IsKnownRole(role) ? role : null;
    }
}
