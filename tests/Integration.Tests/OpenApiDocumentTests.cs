using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaaS.Integration.Tests.Support;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests;

/// <summary>
/// Issue 17 point 1: docs/openapi.json is what the API host serves at /openapi/v1.json, so a route or
/// schema changed without the committed document (and the client generated from it) fails here.
/// </summary>
[Collection(EmbeddedPlatformCollection.Name)]
public sealed class OpenApiDocumentTests(EmbeddedPlatformFixture fixture)
{
    /// <summary>Set to 1 to rewrite docs/openapi.json from the host instead of comparing; then regenerate the client (tests/ApiClient/generate.sh).</summary>
    public const string UpdateSetting = "CAAS_UPDATE_OPENAPI";

    public static string CommittedPath => Path.Combine(Repository.Root, "docs", "openapi.json");

    /// <summary>Where the served document says it is depends on the port a run was given; the committed one names the local run's.</summary>
    private static readonly JsonArray CommittedServers = [new JsonObject { ["url"] = "http://127.0.0.1:5080", ["description"] = "The local run (./run.sh)" }];

    private Platform Platform => fixture.Platform;

    [Fact]
    public async Task The_document_the_host_serves_is_docs_openapi_json()
    {
        var served = JsonNode.Parse(await Platform.Http.GetStringAsync(new Uri(Platform.ApiHost.BaseUrl + "/openapi/v1.json")))!.AsObject();
        served["servers"] = CommittedServers.DeepClone();
        // Relaxed escaping: the file is read by people in reviews, and \u0027 for every apostrophe is not.
        var text = served.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        if (Environment.GetEnvironmentVariable(UpdateSetting) == "1")
        {
            await File.WriteAllTextAsync(CommittedPath, text);
        }

        var committed = JsonNode.Parse(await File.ReadAllTextAsync(CommittedPath));
        Assert.Equal("3.1.1", served["openapi"]?.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(committed, served),
            $"docs/openapi.json drifted from the host's document at {FirstDifference(committed, served, "$")}; "
            + $"run the test with {UpdateSetting}=1 to rewrite it, then tests/ApiClient/generate.sh.");
    }

    [Fact]
    public async Task The_interactive_reference_is_served_at_docs()
    {
        using var page = await Platform.Http.GetAsync(new Uri(Platform.ApiHost.BaseUrl + "/docs"));
        var html = await page.Content.ReadAsStringAsync();
        // Served by the host itself, not a CDN: the reference works where only the API is reachable.
        using var script = await Platform.Http.GetAsync(new Uri(Platform.ApiHost.BaseUrl + "/docs/scalar.js"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.True(html.Contains("\"url\":\"openapi/v1.json\"", StringComparison.Ordinal) && html.Contains("src=\"scalar.js\"", StringComparison.Ordinal), html);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_operation_declares_its_problems_with_status_and_code_and_who_may_call_it()
    {
        var document = JsonNode.Parse(File.ReadAllText(CommittedPath))!;
        var operations = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(operation => (route: $"{operation.Key} {path.Key}", operation: operation.Value!))).ToList();

        Assert.Contains(operations, entry => entry.route == "post /api/reservations");
        Assert.Equal("http", document["components"]!["securitySchemes"]!["bearer"]!["type"]!.GetValue<string>());
        Assert.All(operations, entry =>
        {
            Assert.NotNull(entry.operation["security"]);
            var problems = entry.operation["responses"]!.AsObject().Where(response => response.Key[0] is '4' or '5').ToList();
            Assert.Contains(problems, response => response.Key == "500");
            Assert.All(problems, response =>
            {
                var media = response.Value!["content"]!["application/problem+json"];
                Assert.True(media is not null, $"{entry.route} {response.Key} is not a problem");
                Assert.Equal("#/components/schemas/Problem", media!["schema"]!["$ref"]!.GetValue<string>());
                Assert.All(media["examples"]!.AsObject(), example =>
                {
                    Assert.Equal(int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture), example.Value!["value"]!["status"]!.GetValue<int>());
                    Assert.Equal(example.Key, example.Value["value"]!["code"]!.GetValue<string>());
                });
            });
        });
        var create = operations.Single(entry => entry.route == "post /api/reservations").operation;
        Assert.Contains(create["parameters"]!.AsArray(), parameter => parameter!["name"]!.GetValue<string>() == "Idempotency-Key" && parameter["in"]!.GetValue<string>() == "header");
        Assert.Equal(["VEHICLE_UNAVAILABLE"], create["responses"]!["409"]!["content"]!["application/problem+json"]!["examples"]!.AsObject().Select(example => example.Key));
        Assert.NotNull(create["requestBody"]!["content"]!["application/json"]!["example"]);
    }

    private static string FirstDifference(JsonNode? expected, JsonNode? actual, string at)
    {
        switch (expected, actual)
        {
            case (JsonObject left, JsonObject right):
                foreach (var key in left.Select(pair => pair.Key).Union(right.Select(pair => pair.Key)))
                {
                    if (!JsonNode.DeepEquals(left[key], right[key]))
                    {
                        return FirstDifference(left[key], right[key], $"{at}.{key}");
                    }
                }

                break;
            case (JsonArray left, JsonArray right) when left.Count == right.Count:
                for (var i = 0; i < left.Count; i++)
                {
                    if (!JsonNode.DeepEquals(left[i], right[i]))
                    {
                        return FirstDifference(left[i], right[i], $"{at}[{i}]");
                    }
                }

                break;
        }

        return $"{at} (committed {expected?.ToJsonString() ?? "nothing"}, served {actual?.ToJsonString() ?? "nothing"})";
    }
}

/// <summary>The committed document linted by a linter others wrote, as the mobile and web teams' tools read it.</summary>
public sealed class OpenApiLintTests
{
    public const string Linter = "@redocly/cli@2.77.0";

    [Fact]
    public async Task Redocly_finds_no_error_in_docs_openapi_json()
    {
        var start = new ProcessStartInfo("npx")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "--yes", Linter, "lint", "docs/openapi.json", "--format=stylish" },
        };
        // No telemetry call home from a test run.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception missing)
        {
            Assert.Fail($"npx is not installed ({missing.Message}): install Debian's nodejs and npm (./test.sh does) to lint docs/openapi.json.");
            return;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            var said = await output + await errors;

            Assert.True(process.ExitCode == 0, $"{Linter} lint exited {process.ExitCode}:\n{said}");
            Assert.Contains("Woohoo! Your API description is valid.", said, StringComparison.Ordinal);
        }
    }
}
