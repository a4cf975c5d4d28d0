using System.Text.Json;
using System.Text.Json.Nodes;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests.Support;

/// <summary>
/// Issue 7's figures (cases tried, how they were answered) as JSON files CI keeps: in
/// CAAS_RELIABILITY_DIR when set, else &lt;repo&gt;/.test-results/reliability. Several tests share a
/// file, each under its own section, so one test's run does not erase another's figures.
/// </summary>
public static class ReliabilityResults
{
    private static readonly Lock Gate = new();

    public static string Directory =>
        Environment.GetEnvironmentVariable("CAAS_RELIABILITY_DIR") is { Length: > 0 } directory
            ? directory
            : Path.Combine(Repository.Root, ".test-results", "reliability");

    /// <returns>the file written.</returns>
    public static string Record(string file, string section, object figures)
    {
        lock (Gate)
        {
            System.IO.Directory.CreateDirectory(Directory);
            var path = Path.Combine(Directory, file);
            var root = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject existing ? existing : [];
            root[section] = JsonSerializer.SerializeToNode(figures, JsonSerializerOptions.Web);
            root[section]!["recordedAt"] = DateTimeOffset.UtcNow.ToString("O");
            File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true }));
            return path;
        }
    }
}
