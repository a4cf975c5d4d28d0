using Microsoft.Extensions.Configuration;

namespace CaaS.Hosting;

/// <summary>
/// How silos and clients find each other and where they keep state, read once from configuration so
/// the silo and the API host can never disagree about it.
/// </summary>
public sealed record ClusterSettings(
    string? ConnectionString,
    string ClusterId,
    string ServiceId,
    int SiloPort,
    int GatewayPort)
{
    public const string ConnectionStringName = "Caas";
    public const string AdoInvariant = "Npgsql";

    /// <summary>No connection string means the embedded default: one machine, state in memory.</summary>
    public bool UsesPostgres => !string.IsNullOrWhiteSpace(ConnectionString);

    public static ClusterSettings From(IConfiguration configuration)
    {
        var orleans = configuration.GetSection("Orleans");
        return new ClusterSettings(
            configuration.GetConnectionString(ConnectionStringName),
            orleans["ClusterId"] ?? "caas-local",
            orleans["ServiceId"] ?? "caas",
            orleans.GetValue("Endpoints:SiloPort", 11111),
            orleans.GetValue("Endpoints:GatewayPort", 30000));
    }
}
