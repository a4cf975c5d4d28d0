using System.Net;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// Issue 17 point 3: the Orleans Dashboard, which has no authentication of its own, is on the silo's
/// port for operators, and nowhere a customer can reach: not on the API host, and the production
/// shape publishes no silo port.
/// </summary>
[Collection(EmbeddedPlatformCollection.Name)]
public sealed class OperatorDashboardTests(EmbeddedPlatformFixture fixture)
{
    private Platform Platform => fixture.Platform;

    [Fact]
    public async Task The_dashboard_is_served_by_the_silo_and_not_by_the_API_host()
    {
        using var page = await Platform.Http.GetAsync(new Uri(Platform.Silos[0].HttpUrl + "/dashboard/"));
        var html = await page.Content.ReadAsStringAsync();
        using var onTheApi = await Platform.Http.GetAsync(new Uri(Platform.ApiHost.BaseUrl + "/dashboard/"));

        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
        Assert.Contains("Orleans", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, onTheApi.StatusCode);
    }

    [Fact]
    public void The_production_shape_publishes_the_API_host_alone()
    {
        var compose = File.ReadAllLines(Path.Combine(Repository.Root, "docker-compose.yml"));
        string? service = null;
        var published = new List<string>();
        foreach (var line in compose)
        {
            // A service is a key indented two spaces under services:; its ports: one indented four.
            if (line.Length > 2 && line[..2] == "  " && line[2] != ' ' && line.TrimEnd().EndsWith(':'))
            {
                service = line.Trim().TrimEnd(':');
            }
            else if (line.StartsWith("    ports:", StringComparison.Ordinal))
            {
                published.Add(service!);
            }
        }

        Assert.Equal(["api"], published);
    }
}
