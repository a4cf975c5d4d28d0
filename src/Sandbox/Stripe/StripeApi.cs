using System.Text;
using System.Text.Json;
using CaaS.Sandbox.Systems;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// The subset of Stripe's API that Stripe.net calls for manual-capture payments, with Stripe's
/// idempotency: a repeated key with the same parameters replays the first answer and does nothing
/// else; with other parameters it is an idempotency_error. This file holds the routes and the
/// transport every call shares (API key, idempotent replay, the answer's serialization); each
/// resource's behaviour is in a StripeApi.*.cs file beside it.
/// </summary>
public static partial class StripeApi
{
    private sealed record Outcome(int Status, object Body, List<(string Type, object Data)> Events);

    public static IEndpointRouteBuilder MapStripe(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/payment_intents", (HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, form => Create(ledger, form)));
        endpoints.MapPost("/v1/payment_intents/{id}/capture", (string id, HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, form => Capture(ledger, id, form)));
        endpoints.MapPost("/v1/payment_intents/{id}/increment_authorization", (string id, HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, form => IncrementAuthorization(ledger, id, form)));
        endpoints.MapPost("/v1/payment_intents/{id}/cancel", (string id, HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, form => Cancel(ledger, id, form)));
        endpoints.MapPost("/v1/refunds", (HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, form => Refund(ledger, form)));
        endpoints.MapPost("/v1/customers", (HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, form => CreateCustomer(ledger, form)));
        endpoints.MapGet("/v1/customers/{id}", (string id, HttpContext http, StripeLedger ledger, StripeEvents events) =>
            Get(http, ledger, events, () => GetCustomer(ledger, id)));
        endpoints.MapPost("/v1/setup_intents", (HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, form => CreateSetup(ledger, form)));
        endpoints.MapGet("/v1/setup_intents/{id}", (string id, HttpContext http, StripeLedger ledger, StripeEvents events) =>
            Get(http, ledger, events, () => GetSetup(ledger, id)));
        endpoints.MapGet("/v1/payment_intents/search", (string? query, HttpContext http, StripeLedger ledger, StripeEvents events) =>
            Get(http, ledger, events, () => Search(ledger, query, WantsCharge(http.Request.Query))));
        endpoints.MapGet("/v1/payment_intents/{id}", (string id, HttpContext http, StripeLedger ledger, StripeEvents events) => Get(http, ledger, events, () =>
            ledger.Find(id) is { } intent ? new Outcome(200, ledger.Render(intent, WantsCharge(http.Request.Query)), []) : Missing(id)));
        // Stripe's list endpoints, newest first, paged by starting_after: what a reconciliation reads.
        endpoints.MapGet("/v1/payment_intents", (HttpContext http, StripeLedger ledger, StripeEvents events) => Get(http, ledger, events, () =>
            List(http.Request.Query, "/v1/payment_intents", ledger.All, intent => intent.Id, intent => intent.Created,
                intent => ledger.Render(intent, WantsCharge(http.Request.Query)), "payment_intent")));
        endpoints.MapGet("/v1/refunds", (HttpContext http, StripeLedger ledger, StripeEvents events) => Get(http, ledger, events, () => ListRefunds(ledger, http.Request.Query)));

        MapCustomers(endpoints);
        MapEvents(endpoints);
        MapInspection(endpoints);
        MapClock(endpoints);
        return endpoints;
    }

    private static async Task<IResult> PostAsync(HttpContext http, StripeLedger ledger, StripeEvents events, Func<Dictionary<string, StringValues>, Outcome> operation)
    {
        if (Unauthenticated(http) is { } refused)
        {
            return refused;
        }

        var body = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync(http.RequestAborted);
        var form = QueryHelpers.ParseQuery(body);
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        var fingerprint = $"{http.Request.Path}\n{body}";
        StripeLedger.StoredAnswer answer;
        Outcome? outcome = null;
        List<StripeLedger.PaymentIntent> lapsed;
        lock (ledger.Gate)
        {
            lapsed = ledger.ExpireLapsed();
            var replay = key.Length > 0 ? ledger.Replay(key) : null;
            if (replay is not null)
            {
                answer = replay.Request == fingerprint ? replay : Serialize(fingerprint, Error(400, "idempotency_error", null,
                    $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}'.", null));
            }
            else
            {
                outcome = operation(form);
                answer = Serialize(fingerprint, outcome);
                if (key.Length > 0)
                {
                    ledger.Remember(key, answer);
                }
            }
        }

        PublishLapsed(events, lapsed);
        foreach (var (type, data) in outcome?.Events ?? [])
        {
            events.Publish(type, data, key.Length > 0 ? key : null);
        }

        if (outcome is null)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Results.Text(answer.Body, "application/json", Encoding.UTF8, answer.Status);
    }

    private static IResult Get(HttpContext http, StripeLedger ledger, StripeEvents events, Func<Outcome> read)
    {
        if (Unauthenticated(http) is { } refused)
        {
            return refused;
        }

        StripeLedger.StoredAnswer answer;
        List<StripeLedger.PaymentIntent> lapsed;
        lock (ledger.Gate)
        {
            lapsed = ledger.ExpireLapsed();
            answer = Serialize("", read());
        }

        PublishLapsed(events, lapsed);
        return Results.Text(answer.Body, "application/json", Encoding.UTF8, answer.Status);
    }

    /// <summary>Holds Stripe cancelled because nobody captured them in time, told as Stripe tells them.</summary>
    private static void PublishLapsed(StripeEvents events, List<StripeLedger.PaymentIntent> lapsed)
    {
        foreach (var intent in lapsed)
        {
            events.Publish("payment_intent.canceled", intent, null);
        }
    }

    /// <summary>Sweeps lapsed holds outside any API call: after the money clock moved, and when inspection looks.</summary>
    public static void Sweep(StripeLedger ledger, StripeEvents events)
    {
        List<StripeLedger.PaymentIntent> lapsed;
        lock (ledger.Gate)
        {
            lapsed = ledger.ExpireLapsed();
        }

        PublishLapsed(events, lapsed);
    }

    private static IResult? Unauthenticated(HttpContext http)
    {
        var expected = http.RequestServices.GetRequiredService<IConfiguration>()["Integrations:Stripe:SecretKey"];
        var authorization = http.Request.Headers.Authorization.ToString();
        var presented = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
        return ApiKeys.Matches(expected, presented) ? null : Results.Text(JsonSerializer.Serialize(new
        {
            error = new { type = "invalid_request_error", message = "Invalid API Key provided." },
        }), "application/json", Encoding.UTF8, StatusCodes.Status401Unauthorized);
    }

    private static StripeLedger.StoredAnswer Serialize(string fingerprint, Outcome outcome) =>
        new(fingerprint, outcome.Status, JsonSerializer.Serialize(outcome.Body, StripeLedger.Json));

    private static Outcome Missing(string id) =>
        Error(404, "invalid_request_error", "resource_missing", $"No such payment_intent: '{id}'", "id");

    private static Outcome UnexpectedState(StripeLedger.PaymentIntent intent, string action) =>
        Error(400, "invalid_request_error", "payment_intent_unexpected_state",
            $"This PaymentIntent could not be {action}ed because it has a status of {intent.Status}.", null);

    private static Outcome Error(int status, string type, string? code, string message, string? param) =>
        new(status, new { error = new StripeLedger.ErrorWire(type, code, null, message, param) }, []);
}
