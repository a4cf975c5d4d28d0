using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaaS.Grains.Abstractions;
using CaaS.Integration.Tests.Support;

namespace CaaS.Integration.Tests;

/// <summary>
/// SEC-4, TST-4 (the bad-input suite): a generated pass over every endpoint the API host
/// maps. The cases come from a table of endpoints, each with a valid example, and mutators per
/// field kind (missing, null, wrong JSON type, blank, too long, unknown value, bad time, reversed
/// window, overflowing number), per body (malformed JSON, wrong root, deep nesting, wrong or no
/// Content-Type, over the body limit), per query string, per path id and per header
/// (Idempotency-Key); random junk comes from a fixed seed (CAAS_FUZZ_SEED overrides it), so a run
/// is repeatable. Every case must get a 4xx RFC 9457 problem with a known stable code (GraphQL: its
/// errors shape with extensions.code), never a 5xx, and must change nothing: after each endpoint's
/// cases the suite compares what the customer, ops and the sandbox hold with what they held before.
/// Its own platform: the webhook cases alone are over WH-5's 100 a minute, which would refuse the
/// shared platform's webhooks for the tests that follow.
/// </summary>
public sealed class BadInputSuiteTests : IAsyncLifetime
{
    private const int DefaultSeed = 7406;

    private Platform _platform = null!;

    private CaaSCalls Calls => new(_platform);

    public async Task InitializeAsync() => _platform = await Platform.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Webhooks__RateLimitPerMinute"] = "100000",
        ["Webhooks__RejectedPerMinutePerAddress"] = "100000",
        // SEC-8: one customer sends the whole fuzz, far more than any app would in a minute.
        ["RateLimits__Customer__Reads"] = "100000",
        ["RateLimits__Customer__Writes"] = "100000",
    });

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    /// <summary>The platform's stable codes (ErrorCodes), the only ones a problem may carry.</summary>
    private static readonly HashSet<string> KnownCodes = [.. typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string)).Select(field => (string)field.GetRawConstantValue()!)];

    // ---- the case model --------------------------------------------------------------------------

    /// <summary>A value a mutator puts in a field: a JSON node, raw JSON text no node can hold (1e400), or the field's removal.</summary>
    private sealed record Mutant(string Name, JsonNode? Node = null, string? Raw = null, bool Remove = false);

    private sealed record Case(string Target, string Mutation, Func<Task<HttpResponseMessage>> Send, bool GraphQL = false);

    private sealed record Outcome(string Target, string Mutation, int Status, string Code, string? Failure);

    private static Mutant Missing => new("missing", Remove: true);

    private static Mutant Null => new("null", Node: null);

    private static Mutant Of(string name, JsonNode? node) => new(name, node);

    private static Mutant RawJson(string name, string raw) => new(name, Raw: raw);

    private static IEnumerable<Mutant> WrongTypes(bool text) =>
    [
        .. text ? new[] { Of("number instead of text", 42) } : [Of("text instead of number", "twelve")],
        Of("boolean", true), Of("array", new JsonArray(1, 2)), Of("object", new JsonObject { ["a"] = 1 }),
    ];

    /// <summary>A required text field of at most <paramref name="max"/> characters.</summary>
    private static IEnumerable<Mutant> Text(int max) =>
    [
        Missing, Null, Of("empty", ""), Of("blank", "   "), .. WrongTypes(text: true),
        Of($"{max + 1} characters", new string('x', max + 1)), Of("100k characters", new string('x', 100_000)),
    ];

    /// <summary>A time (ISO 8601) in the wrong form; window rules (reversed, in the past) are each endpoint's own.</summary>
    private static IEnumerable<Mutant> Time(bool required = true) =>
    [
        .. required ? new[] { Missing, Null } : [], Of("empty", ""), Of("not a time", "next tuesday"), Of("30 February", "2027-02-30T10:00:00Z"),
        Of("hour 25", "2027-03-01T25:00:00Z"), Of("year 99999", "99999-01-01T00:00:00Z"), Of("unix seconds", 1_800_000_000), Of("boolean", true), Of("array", new JsonArray()),
    ];

    private static IEnumerable<Mutant> Enum(params string[] unknown) =>
    [
        Missing, Null, Of("empty", ""), Of("number", 7), Of("array", new JsonArray("x")), .. unknown.Select(value => Of($"unknown '{value}'", value)),
        Of("300 characters", new string('Z', 300)),
    ];

    private static IEnumerable<Mutant> Vin() =>
    [
        Missing, Null, Of("empty", ""), Of("number", 12345678901234567), Of("16 characters", "WVWZZZ1JZXW00000"), Of("letter O", "WVWZZZ1JZXW00000O"),
        Of("300 characters", new string('W', 300)),
    ];

    private static IEnumerable<Mutant> Number(bool integer) =>
    [
        .. WrongTypes(text: false), RawJson("1e400", "1e400"), RawJson("NaN literal", "NaN"), RawJson("9223372036854775808", "9223372036854775808"),
        .. integer ? new[] { Of("fraction", 12.5) } : [],
    ];

    // ---- whole bodies ------------------------------------------------------------------------------

    /// <summary>What is wrong with a body as a whole, whatever the endpoint.</summary>
    private static IEnumerable<(string Name, string Body, string? MediaType, bool Large)> BodyMutants(string valid, Random random, int limit)
    {
        for (var i = 0; i < 3; i++)
        {
            var cut = random.Next(1, valid.Length - 1);
            yield return ($"truncated at {cut}", valid[..cut], "application/json", false);
        }

        yield return ("not JSON", "this is not json", "application/json", false);
        yield return ("trailing garbage", valid + "}}", "application/json", false);
        yield return ("trailing comma", valid[..^1] + ",}", "application/json", false);
        yield return ("empty body", "", "application/json", false);
        yield return ("root null", "null", "application/json", false);
        yield return ("root array", "[" + valid + "]", "application/json", false);
        yield return ("root string", "\"" + valid.Replace("\"", "'", StringComparison.Ordinal) + "\"", "application/json", false);
        yield return ("root number", "42", "application/json", false);
        yield return ("nested 10k deep", new string('[', 10_000) + new string(']', 10_000), "application/json", false);
        var junk = new byte[64];
        random.NextBytes(junk);
        yield return ("random bytes", Encoding.Latin1.GetString(junk), "application/json", false);
        yield return ("text/plain", valid, "text/plain", false);
        yield return ("application/xml", "<reservation/>", "application/xml", false);
        yield return ("form-encoded", "a=1&b=2", "application/x-www-form-urlencoded", false);
        yield return ("no Content-Type", valid, null, false);
        yield return ($"over {limit} bytes", "{\"pad\":\"" + new string('x', limit + 1024) + "\"}", "application/json", true);
    }

    /// <summary>The valid example with one field changed (a dotted path names a nested field).</summary>
    private static string Mutate(JsonObject valid, string path, Mutant mutant)
    {
        var copy = (JsonObject)valid.DeepClone();
        var parts = path.Split('.');
        var parent = parts[..^1].Aggregate(copy, (node, part) => (JsonObject)node[part]!);
        const string RawMarker = "\u0001raw\u0001";
        if (mutant.Remove)
        {
            parent.Remove(parts[^1]);
        }
        else
        {
            parent[parts[^1]] = mutant.Raw is null ? mutant.Node?.DeepClone() : RawMarker;
        }

        var text = copy.ToJsonString();
        return mutant.Raw is null ? text : text.Replace(JsonSerializer.Serialize(RawMarker), mutant.Raw, StringComparison.Ordinal);
    }

    // ---- sending -----------------------------------------------------------------------------------

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? body, string? mediaType,
        IReadOnlyDictionary<string, string>? headers = null, bool large = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(_platform.ApiHost.BaseUrl + path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = mediaType is null ? null : MediaTypeHeaderValue.Parse(mediaType);
        }

        if (!large)
        {
            return await _platform.Http.SendAsync(request);
        }

        // Over a limit: the host answers without reading the body; asking first (100-continue) means the body is never sent,
        // and a connection of its own means the shared one is not closed under the next case.
        request.Headers.ExpectContinue = true;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Signs as the sender would (Standard Webhooks, or Stripe's scheme), so only the body is wrong.</summary>
    private Task<HttpResponseMessage> SendWebhookAsync(string source, string body, string? mediaType, int number, bool large = false)
    {
        var now = DateTimeOffset.UtcNow;
        var id = $"fuzz-{source}-{number}-{Guid.NewGuid():N}"[..40];
        var timestamp = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var headers = source switch
        {
            "stripe" => new Dictionary<string, string> { ["Stripe-Signature"] = CaaSCalls.StripeSignature(body, now) },
            _ => new Dictionary<string, string>
            {
                ["webhook-id"] = id,
                ["webhook-timestamp"] = timestamp,
                ["webhook-signature"] = "v1," + CaaS.Hosting.StandardWebhooks.Sign(source == "fleet" ? CaaSCalls.FleetSecret : CaaSCalls.FactorySecret, id, timestamp, body),
            },
        };
        var path = source switch { "stripe" => "/webhooks/payment/settlement", "fleet" => "/events/fleet", _ => "/webhooks/factory/status" };
        return SendAsync(HttpMethod.Post, path, null, body, mediaType, headers, large);
    }

    private static async Task<Outcome> JudgeAsync(Case item)
    {
        using var response = await item.Send();
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        JsonElement? json = null;
        try
        {
            json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : null;
        }
        catch (JsonException)
        {
        }

        string Fail(string why) => $"{why}: {status} {mediaType} {text[..Math.Min(text.Length, 300)]}";
        if (item.GraphQL && status == 200)
        {
            // GraphQL's own refusals: 200 with errors, each with a code, and nothing resolved by a rule that threw unexpectedly.
            if (json is not { } answer || !answer.TryGetProperty("errors", out var errors) || errors.GetArrayLength() == 0)
            {
                return new(item.Target, item.Mutation, status, "", Fail("GraphQL answered without errors"));
            }

            var codes = errors.EnumerateArray().Select(error => error.TryGetProperty("extensions", out var extensions)
                && extensions.TryGetProperty("code", out var code) ? code.GetString() ?? "" : "").ToList();
            var unhandled = errors.EnumerateArray().Any(error => error.GetProperty("message").GetString()!.StartsWith("Error trying to resolve field", StringComparison.Ordinal));
            return new(item.Target, item.Mutation, status, codes[0],
                codes.Any(string.IsNullOrEmpty) ? Fail("a GraphQL error without extensions.code")
                : unhandled ? Fail("an unhandled exception in a resolver (a 500 in GraphQL's clothes)")
                : null);
        }

        var problemCode = json is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("code", out var found) && found.ValueKind == JsonValueKind.String
            ? found.GetString()! : "";
        var failure = status is < 400 or > 499 ? Fail("not a 4xx")
            : mediaType != "application/problem+json" ? Fail("not a problem")
            : !KnownCodes.Contains(problemCode) ? Fail("no known stable code")
            : null;
        return new(item.Target, item.Mutation, status, problemCode, failure);
    }

    // ---- the suite ---------------------------------------------------------------------------------

    [Fact]
    public async Task SEC_4_generated_bad_input_to_every_endpoint_gets_a_4xx_problem_with_a_stable_code_and_changes_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CAAS_FUZZ_SEED"), out var chosen) ? chosen : DefaultSeed;
        var random = new Random(seed);
        var (customer, token) = await Calls.CustomerAsync();
        var ops = await _platform.TokenAsync("ops-fuzz", "ops");
        var analyst = await _platform.TokenAsync("analyst-fuzz", "analytics");

        // What the cases aim at: each would change if a bad case got through.
        var startsAt = DateTimeOffset.UtcNow.Date.AddDays(4).AddHours(9);
        var (vehicleId, _) = await Calls.FleetVehicleAsync(2);
        var reservation = (await CaaSCalls.ReadAsync(await _platform.SendAsync(HttpMethod.Post, "/api/reservations", token,
            new { vehicleId, startsAt, endsAt = startsAt.AddHours(3), paymentMethodId = "pm_card_visa" }))).GetProperty("id").GetString()!;
        var active = await Calls.ActiveRentalAsync(token, (await Calls.FleetVehicleAsync(5)).VehicleId);
        var (completed, captured) = await Calls.CompletedRentalAsync(token, (await Calls.FleetVehicleAsync(3)).VehicleId);
        var placed = await CaaSCalls.ReadAsync(await _platform.SendAsync(HttpMethod.Post, "/api/orders", token, CaaSCalls.Spec("ES")));
        var (order, factoryOrder) = (placed.GetProperty("orderId").GetString()!, placed.GetProperty("factoryOrderId").GetString()!);
        var (delivered, ownVin) = await Calls.DeliveredOrderAsync(token);
        var (fleetVehicle, fleetVin) = await Calls.FleetVehicleAsync(4);
        var freeVehicle = (await Calls.FleetVehicleAsync(6)).VehicleId;

        async Task<string> SnapshotAsync()
        {
            var views = new List<string>
            {
                string.Join(",", (await Calls.StripeIntentsAsync()).Select(intent => $"{intent.GetProperty("id")}:{intent.GetProperty("status")}:{intent.GetProperty("amount_received")}")),
                string.Join(",", (await Calls.NotificationsAsync(customer)).Select(sent => sent.GetProperty("template").GetString())),
                (await Calls.ReservationAsync(token, reservation)).ToString(),
                (await Calls.ReservationAsync(token, active)).ToString(),
                (await Calls.ReservationAsync(token, completed)).ToString(),
                (await Calls.OrderAsync(token, order)).ToString(),
                (await Calls.OrderAsync(token, delivered)).ToString(),
                $"{await Calls.IsBookableAsync(token, fleetVehicle)} {await Calls.IsBookableAsync(token, freeVehicle)}",
                (await Calls.SandboxRequestsAsync("factory")).Count(request => request.GetProperty("method").GetString() == "POST").ToString(System.Globalization.CultureInfo.InvariantCulture),
                (await GraphQLAsync(ops, "{ opsAlerts(includeResolved: true) { totalCount } deadLetters(includeResolved: true) { totalCount } supportTickets(includeResolved: true) { totalCount } riskItems(includeResolved: true) { totalCount } }")).ToString(),
            };
            return string.Join("\n", views);
        }

        var cases = new List<Case>();
        var number = 0;

        // JSON bodies: one row per endpoint, a valid example and the kind of each field.
        var window = new JsonObject { ["vehicleId"] = freeVehicle, ["startsAt"] = startsAt.AddDays(1), ["endsAt"] = startsAt.AddDays(1).AddHours(2), ["paymentMethodId"] = "pm_card_visa" };
        var bodies = new (string Target, string Path, string Token, JsonObject Valid, (string Field, IEnumerable<Mutant> Mutants)[] Fields, bool Idempotent)[]
        {
            ("POST /api/reservations", "/api/reservations", token, window,
            [
                ("vehicleId", Text(100)), ("startsAt", Time()), ("endsAt", Time()), ("paymentMethodId", Text(100)),
                ("startsAt", [Of("after endsAt", startsAt.AddDays(1).AddHours(3)), Of("equal to endsAt", startsAt.AddDays(1).AddHours(2)), Of("in the past", DateTimeOffset.UtcNow.AddDays(-2))]),
                ("endsAt", [Of("before startsAt", startsAt.AddDays(1).AddHours(-1)), Of("two years later", startsAt.AddDays(800))]),
            ], true),
            ("POST /api/rentals/{id}/return", $"/api/rentals/{reservation}/return", token,
                new JsonObject { ["odometerKm"] = 23_456.7, ["energyPercent"] = 64, ["photoUrls"] = new JsonArray("https://photos.example/front.jpg"), ["latitude"] = 40.4168, ["longitude"] = -3.7038 },
            [
                ("odometerKm", Number(integer: false)), ("energyPercent", Number(integer: true)),
                ("photoUrls", [Of("text", "https://photos.example/a.jpg"), Of("numbers", new JsonArray(1, 2)), Of("relative URL", new JsonArray("front.jpg")),
                    Of("21 photos", new JsonArray([.. Enumerable.Range(0, 21).Select(index => (JsonNode)$"https://photos.example/{index}.jpg")])), Of("a null", new JsonArray((JsonNode?)null)),
                    Of("a 3000-character URL", new JsonArray("https://photos.example/" + new string('p', 3000)))]),
                ("latitude", [.. Number(integer: false), Of("91", 91), Of("-90.5", -90.5)]), ("longitude", [.. Number(integer: false), Of("181", 181), Of("-1000", -1000)]),
            ], false),
            ("POST /api/orders", "/api/orders", token, JsonNode.Parse(JsonSerializer.Serialize(CaaSCalls.Spec("ES")))!.AsObject(),
            [
                ("vehicleSpec", [Missing, Null, Of("text", "ID.4 Pro"), Of("array", new JsonArray()), Of("empty object", new JsonObject())]),
                ("vehicleSpec.model", Text(100)), ("vehicleSpec.trim", Text(100)), ("vehicleSpec.color", Text(50)),
                ("vehicleSpec.country", [.. Enum("Spain", "E1", "ÉS", "XYZ"), Of("blank", "  ")]),
            ], true),
            ("POST /api/vehicles/{vin}/services", $"/api/vehicles/{ownVin}/services", token, new JsonObject { ["serviceCode"] = "HEATED_SEATS", ["paymentMethodId"] = "pm_card_visa" },
            [
                ("serviceCode", [.. Enum("TIME_TRAVEL", "heated_seats", "HEATED SEATS", "HEATED-SEATS"), Of("51 characters", new string('A', 51))]),
                ("paymentMethodId", Text(100)),
            ], true),
        };
        foreach (var (target, path, caller, valid, fields, idempotent) in bodies)
        {
            var json = valid.ToJsonString();
            foreach (var (field, mutants) in fields)
            {
                foreach (var mutant in mutants)
                {
                    var body = Mutate(valid, field, mutant);
                    cases.Add(new(target, $"{field}: {mutant.Name}", () => SendAsync(HttpMethod.Post, path, caller, body, "application/json")));
                }
            }

            foreach (var (name, body, mediaType, large) in BodyMutants(json, random, 1024 * 1024))
            {
                cases.Add(new(target, "body: " + name, () => SendAsync(HttpMethod.Post, path, caller, body, mediaType, large: large)));
            }

            if (idempotent)
            {
                foreach (var (name, key) in new[] { ("empty", ""), ("201 characters", new string('k', 201)), ("8000 characters", new string('k', 8000)) })
                {
                    cases.Add(new(target, $"Idempotency-Key: {name}", () => SendAsync(HttpMethod.Post, path, caller, json, "application/json",
                        new Dictionary<string, string> { ["Idempotency-Key"] = key })));
                }
            }
        }

        // Query strings: every parameter missing, garbled, reversed, overflowing, repeated.
        string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O"));
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        var queries = new (string Target, string Path, string Token, string[] Variants)[]
        {
            ("GET /api/vehicles/available", "/api/vehicles/available", token,
            [
                "", $"from={Iso(startsAt)}", $"to={Iso(startsAt)}", $"from=garbage&to={Iso(startsAt)}", $"from={Iso(startsAt)}&to=2027-02-30T00:00:00Z",
                $"from={Iso(startsAt.AddHours(2))}&to={Iso(startsAt)}", $"from={Iso(startsAt)}&to={Iso(startsAt)}", $"from={Iso(startsAt)}&to={Iso(startsAt.AddDays(400))}",
                $"from={Iso(startsAt)}&from={Iso(startsAt)}&to={Iso(startsAt.AddHours(1))}", $"from=1800000000&to=1800003600", $"from=99999-01-01&to=99999-01-02",
                $"from={new string('9', 5000)}&to={Iso(startsAt)}",
            ]),
            ("GET /api/bookings/analytics", "/api/bookings/analytics", analyst,
            [
                "", $"from={Iso(from)}", $"from={Iso(from.AddDays(1))}&to={Iso(from)}", $"from={Iso(from)}&to={Iso(from.AddDays(93))}", $"from=yesterday&to={Iso(from)}",
                .. new[] { "-1", "0", "1001", "2147483648", "99999999999999999999", "ten", "1.5", "" }.Select(limit => $"from={Iso(from)}&to={Iso(from.AddDays(2))}&limit={limit}"),
                .. new[] { "garbage", "%25%25%25", Convert.ToBase64String("abc|x"u8.ToArray()), Convert.ToBase64String("99999999999999999999|x"u8.ToArray()), new string('A', 5000), "" }
                    .Select(cursor => $"from={Iso(from)}&to={Iso(from.AddDays(2))}&cursor={Uri.EscapeDataString(cursor)}"),
                $"from={Iso(from)}&to={Iso(from.AddDays(2))}&limit=1&limit=2",
            ]),
        };
        foreach (var (target, path, caller, variants) in queries)
        {
            foreach (var query in variants)
            {
                cases.Add(new(target, "?" + (query.Length > 60 ? query[..60] + "..." : query), () => SendAsync(HttpMethod.Get, $"{path}?{query}", caller, null, null)));
            }
        }

        // Path ids: ids that name nothing, or are not ids at all. Never a real id: a cancel or unlock of one would be a real change.
        // Not %00 nor a path over 8 KB: Kestrel refuses those itself (400, 414) before the application, where no problem can be written.
        string[] ids = ["does-not-exist", new string('x', 4000), "%20", "%20%20%09", "..%2F..%2Fhealth", "%E2%98%83", "res-%22%3E%3Cscript%3E", "%1B"];
        var paths = new (string Target, HttpMethod Method, string Template, string Token, object? Body)[]
        {
            ("GET /api/reservations/{id}", HttpMethod.Get, "/api/reservations/{0}", token, null),
            ("POST /api/reservations/{id}/cancel", HttpMethod.Post, "/api/reservations/{0}/cancel", token, null),
            ("POST /api/rentals/{id}/unlock", HttpMethod.Post, "/api/rentals/{0}/unlock", token, null),
            ("POST /api/rentals/{id}/return", HttpMethod.Post, "/api/rentals/{0}/return", token, CaaSCalls.GoodProof),
            ("GET /api/orders/{id}", HttpMethod.Get, "/api/orders/{0}", token, null),
            ("POST /api/orders/{id}/delivery", HttpMethod.Post, "/api/orders/{0}/delivery", ops, null),
            ("GET /api/service-purchases/{id}", HttpMethod.Get, "/api/service-purchases/{0}", token, null),
            ("GET /api/vehicles/{vin}", HttpMethod.Get, "/api/vehicles/{0}", token, null),
            ("POST /api/vehicles/{vin}/services", HttpMethod.Post, "/api/vehicles/{0}/services", token, new { serviceCode = "HEATED_SEATS", paymentMethodId = "pm_card_visa" }),
        };
        foreach (var (target, method, template, caller, body) in paths)
        {
            foreach (var id in ids)
            {
                var json = body is null ? null : JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
                cases.Add(new(target, "id " + (id.Length > 30 ? $"{id.Length} characters" : id), () =>
                    SendAsync(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, id), caller, json, json is null ? null : "application/json")));
            }
        }

        // GraphQL: each operation with valid literal arguments, each argument mutated by its kind.
        string[] pageInts = ["0", "-1", "201", "2147483648", "\"ten\"", "1.5", "true"];
        string[] cursors = ["\"garbage\"", "\"\"", "42", "\"" + new string('A', 4000) + "\""];
        string[] reasons = ["\"\"", "\"   \"", "\"" + new string('r', 501) + "\"", "42", "null"];
        string[] stringIds = ["42", "null", "[\"a\"]"];
        var operations = new (string Name, string Template, Dictionary<string, string> Valid, Dictionary<string, string[]> Mutants)[]
        {
            ("opsAlerts", "{ opsAlerts(first: $first, after: $after) { totalCount } }", new() { ["first"] = "10", ["after"] = "null" }, new() { ["first"] = pageInts, ["after"] = cursors }),
            ("deadLetters", "{ deadLetters(first: $first, after: $after) { totalCount } }", new() { ["first"] = "10", ["after"] = "null" }, new() { ["first"] = pageInts, ["after"] = cursors }),
            ("activeRentals", "{ activeRentals(first: $first, after: $after) { totalCount } }", new() { ["first"] = "10", ["after"] = "null" }, new() { ["first"] = pageInts, ["after"] = cursors }),
            ("stuckFlows", "{ stuckFlows(olderThanSeconds: $olderThanSeconds, kind: $kind, first: $first) { thresholdSeconds } }",
                new() { ["olderThanSeconds"] = "600", ["kind"] = "\"rental\"", ["first"] = "10" },
                new() { ["olderThanSeconds"] = ["-1", "2147483648", "\"soon\""], ["kind"] = ["\"spaceship\"", "42", "\"\""], ["first"] = pageInts }),
            ("revenueReport", "{ revenueReport(from: $from, to: $to, currency: $currency) { currency } }",
                new() { ["from"] = "\"2026-01-01\"", ["to"] = "\"2026-01-31\"", ["currency"] = "\"EUR\"" },
                new() { ["from"] = ["\"yesterday\"", "\"2026-02-30\"", "20260101", "\"2026-02-01\"", "\"2020-01-01\"", "null"], ["to"] = ["\"2025-12-31\"", "\"2026-13-01\"", "true", "null"], ["currency"] = ["42"] }),
            ("rental", "{ rental(id: $id) { id } }", new() { ["id"] = $"\"{reservation}\"" }, new() { ["id"] = stringIds }),
            ("vehicle", "{ vehicle(vin: $vin) { vin } }", new() { ["vin"] = $"\"{ownVin}\"" }, new() { ["vin"] = stringIds }),
            ("adjustFine", "mutation { adjustFine(rentalId: $rentalId, amount: $amount, reason: $reason, currency: $currency) { id } }",
                new() { ["rentalId"] = $"\"{reservation}\"", ["amount"] = "100", ["reason"] = "\"fuzz\"", ["currency"] = "\"EUR\"" },
                new()
                {
                    ["rentalId"] = stringIds, ["amount"] = ["0", "1000001", "-1000001", "9223372036854775808", "\"100\"", "1.5", "null"], ["reason"] = reasons,
                    ["currency"] = ["\"eur\"", "\"EURO\"", "\"\"", "42", "\"E1R\""],
                }),
            ("overrideReturnVerification", "mutation { overrideReturnVerification(rentalId: $rentalId, approved: $approved, reason: $reason) { id } }",
                new() { ["rentalId"] = $"\"{active}\"", ["approved"] = "true", ["reason"] = "\"fuzz\"" },
                new() { ["rentalId"] = stringIds, ["approved"] = ["\"yes\"", "1", "null"], ["reason"] = reasons }),
            ("abandonFactoryOrder", "mutation { abandonFactoryOrder(id: $id, reason: $reason) { status } }", new() { ["id"] = $"\"{order}\"", ["reason"] = "\"fuzz\"" },
                new() { ["id"] = stringIds, ["reason"] = reasons }),
            ("retryFactoryOrder", "mutation { retryFactoryOrder(id: $id, reason: $reason) { status } }", new() { ["id"] = $"\"{order}\"", ["reason"] = "\"fuzz\"" },
                new() { ["id"] = stringIds, ["reason"] = reasons }),
            ("deliverFactoryOrder", "mutation { deliverFactoryOrder(id: $id, reason: $reason) { status } }", new() { ["id"] = $"\"{order}\"", ["reason"] = "\"fuzz\"" },
                new() { ["id"] = stringIds, ["reason"] = reasons }),
            ("replayDeadLetter", "mutation { replayDeadLetter(id: $id) { outcome } }", new() { ["id"] = "\"dead-letter/none\"" }, new() { ["id"] = [.. stringIds, "\"\"", "\"" + new string('d', 4000) + "\""] }),
            ("acknowledgeOpsItem", "mutation { acknowledgeOpsItem(id: $id) { id } }", new() { ["id"] = "\"alert/none\"" }, new() { ["id"] = [.. stringIds, "\"\""] }),
            ("resolveOpsItem", "mutation { resolveOpsItem(id: $id, resolution: $resolution) { id } }", new() { ["id"] = "\"alert/none\"", ["resolution"] = "\"fuzz\"" },
                new() { ["id"] = stringIds, ["resolution"] = reasons }),
        };
        // Arguments with a default (or nullable): leaving one out is a valid request, not a case.
        HashSet<string> optional = ["first", "after", "kind", "olderThanSeconds", "currency", "retryFactoryOrder.reason", "deliverFactoryOrder.reason"];
        foreach (var (name, template, valid, mutants) in operations)
        {
            foreach (var (argument, values) in mutants)
            {
                foreach (var value in optional.Contains(argument) || optional.Contains($"{name}.{argument}") ? values : values.Append("<missing>"))
                {
                    var query = valid.Aggregate(template, (text, pair) => pair.Key == argument && value == "<missing>"
                        ? text.Replace($", {pair.Key}: ${pair.Key}", "", StringComparison.Ordinal).Replace($"{pair.Key}: ${pair.Key}, ", "", StringComparison.Ordinal).Replace($"({pair.Key}: ${pair.Key})", "", StringComparison.Ordinal)
                        : text.Replace("$" + pair.Key, pair.Key == argument ? value : pair.Value, StringComparison.Ordinal));
                    var body = JsonSerializer.Serialize(new { query });
                    cases.Add(new("POST /graphql", $"{name}.{argument}: {(value.Length > 30 ? $"{value.Length} characters" : value)}",
                        () => SendAsync(HttpMethod.Post, "/graphql", ops, body, "application/json"), GraphQL: true));
                }
            }
        }

        var validGraphQL = JsonSerializer.Serialize(new { query = "{ opsAlerts { totalCount } }" });
        foreach (var (name, body) in new[]
        {
            ("query a number", "{\"query\": 42}"), ("query empty", "{\"query\": \"\"}"), ("query missing", "{\"variables\": {}}"),
            ("variables a string", "{\"query\": \"{ opsAlerts { totalCount } }\", \"variables\": \"x\"}"),
            ("variables an array", "{\"query\": \"{ opsAlerts { totalCount } }\", \"variables\": [1, 2]}"),
            ("operationName a number", "{\"query\": \"{ opsAlerts { totalCount } }\", \"operationName\": 42}"),
            ("operationName unknown", "{\"query\": \"query A { opsAlerts { totalCount } }\", \"operationName\": \"B\"}"),
            ("variable of the wrong type", "{\"query\": \"query($n: Int) { opsAlerts(first: $n) { totalCount } }\", \"variables\": {\"n\": \"many\"}}"),
            ("undeclared variable", "{\"query\": \"{ opsAlerts(first: $n) { totalCount } }\"}"),
        })
        {
            cases.Add(new("POST /graphql", "request: " + name, () => SendAsync(HttpMethod.Post, "/graphql", ops, body, "application/json"), GraphQL: true));
        }

        foreach (var (name, body, mediaType, large) in BodyMutants(validGraphQL, random, 64 * 1024))
        {
            cases.Add(new("POST /graphql", "body: " + name, () => SendAsync(HttpMethod.Post, "/graphql", ops, body, mediaType, large: large), GraphQL: true));
        }

        // Webhooks: signed right, so only the body is wrong; each valid example would change something if it went through.
        var now = DateTimeOffset.UtcNow;
        var webhooks = new (string Source, JsonObject Valid, (string Field, IEnumerable<Mutant> Mutants)[] Fields)[]
        {
            ("factory", new JsonObject { ["orderId"] = factoryOrder, ["reference"] = order, ["status"] = "MANUFACTURING", ["occurredAt"] = now },
            [
                ("orderId", Text(200)), ("reference", Text(200)), ("status", Enum("EXPLODED", "manufactured")), ("occurredAt", Time()),
                ("vin", [Of("not a VIN", "NOT-A-VIN"), Of("number", 42), Of("300 characters", new string('W', 300))]), ("estimatedCompletionDate", Time(required: false)),
            ]),
            ("fleet", new JsonObject { ["eventId"] = "evt-fuzz", ["type"] = "VehicleStatusChanged", ["vin"] = fleetVin, ["occurredAt"] = now, ["status"] = "OutOfService" },
            [
                ("eventId", Text(200)), ("type", Enum("VehicleTeleported", "vehiclestatuschanged")), ("vin", Vin()), ("occurredAt", Time()), ("status", Enum("Exploded", "outofservice")),
            ]),
            ("fleet", new JsonObject { ["eventId"] = "evt-fuzz", ["type"] = "MaintenanceScheduled", ["vin"] = fleetVin, ["occurredAt"] = now, ["from"] = startsAt, ["to"] = startsAt.AddHours(6) },
            [
                ("from", [.. Time(), Of("after to", startsAt.AddHours(7)), Of("equal to to", startsAt.AddHours(6))]), ("to", [.. Time(), Of("before from", startsAt.AddHours(-1))]),
            ]),
            ("stripe", JsonNode.Parse(CaaSCalls.StripeEvent("evt_fuzz", "payment_intent.payment_failed", captured, new Dictionary<string, string> { ["reservationId"] = completed }, now))!.AsObject(),
            [
                ("id", [Missing, Null, Of("empty", ""), Of("blank", "   "), Of("300 characters", "evt_" + new string('e', 300))]),
                // Another api_version is no bad input: Stripe renders an event in the version of its day (docs.stripe.com/api/events/list).
                ("object", [Of("not an event", "payment_intent")]),
                ("created", [Of("text", "yesterday"), Of("object", new JsonObject())]),
                ("data", [Missing, Null, Of("text", "x"), Of("empty object", new JsonObject())]), ("data.object", [Null, Of("text", "x"), Of("array", new JsonArray())]),
            ]),
        };
        foreach (var (source, valid, fields) in webhooks)
        {
            foreach (var (field, mutants) in fields)
            {
                foreach (var mutant in mutants)
                {
                    var body = Mutate(valid, field, mutant);
                    var n = ++number;
                    cases.Add(new($"POST webhook {source}", $"{valid["type"]} {field}: {mutant.Name}", () => SendWebhookAsync(source, body, "application/json", n)));
                }
            }

            foreach (var (name, body, mediaType, large) in BodyMutants(valid.ToJsonString(), random, 256 * 1024))
            {
                var n = ++number;
                cases.Add(new($"POST webhook {source}", $"{valid["type"]} body: {name}", () => SendWebhookAsync(source, body, mediaType, n, large)));
            }
        }

        // Run them, target by target, and compare what the platform holds after each target's cases.
        var outcomes = new List<Outcome>();
        var changes = new List<string>();
        var before = await SnapshotAsync();
        foreach (var group in cases.GroupBy(item => item.Target))
        {
            foreach (var item in group)
            {
                try
                {
                    outcomes.Add(await JudgeAsync(item));
                }
                catch (HttpRequestException failed)
                {
                    outcomes.Add(new(item.Target, item.Mutation, 0, "", "no answer: " + failed.Message));
                }
            }

            var after = await SnapshotAsync();
            if (after != before)
            {
                changes.Add($"{group.Key}: {Difference(before, after)}");
                before = after;
            }
        }

        var failures = outcomes.Where(outcome => outcome.Failure is not null).Select(outcome => $"{outcome.Target} [{outcome.Mutation}] {outcome.Failure}").ToList();
        var file = ReliabilityResults.Record("bad-input.json", "badInput", new
        {
            seed,
            casesTried = outcomes.Count,
            answered4xx = outcomes.Count(outcome => outcome.Status is >= 400 and < 500),
            graphQLErrors = outcomes.Count(outcome => outcome.Status == 200),
            answered5xx = outcomes.Count(outcome => outcome.Status >= 500),
            stateChanges = changes.Count,
            failures = failures.Count,
            byTarget = outcomes.GroupBy(outcome => outcome.Target).ToDictionary(group => group.Key, group => group.Count()),
            byStatusAndCode = outcomes.GroupBy(outcome => $"{outcome.Status} {outcome.Code}").OrderBy(group => group.Key, StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => group.Count()),
            failureList = failures.Take(200),
            changeList = changes,
        });

        Assert.True(failures.Count == 0, $"{failures.Count} of {outcomes.Count} cases were not refused properly (figures in {file}):\n" + string.Join("\n", failures.Take(60)));
        Assert.True(changes.Count == 0, "bad input changed something:\n" + string.Join("\n", changes));
        Assert.True(outcomes.Count > 500, $"only {outcomes.Count} cases were generated");
    }

    private async Task<string> GraphQLAsync(string token, string query)
    {
        using var response = await _platform.SendAsync(HttpMethod.Post, "/graphql", token, new { query });
        return await response.Content.ReadAsStringAsync();
    }

    private static string Difference(string before, string after)
    {
        var (was, now) = (before.Split('\n'), after.Split('\n'));
        return string.Join("; ", was.Zip(now).Where(pair => pair.First != pair.Second)
            .Select(pair => $"was {pair.First[..Math.Min(pair.First.Length, 400)]} now {pair.Second[..Math.Min(pair.Second.Length, 400)]}"));
    }
}
