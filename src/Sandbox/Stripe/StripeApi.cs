using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CaaS.Sandbox.Control;
using CaaS.Sandbox.Systems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// The subset of Stripe's API that Stripe.net calls for manual-capture payments, with Stripe's
/// idempotency: a repeated key with the same parameters replays the first answer and does nothing
/// else; with other parameters it is an idempotency_error.
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
        endpoints.MapPost("/v1/payment_intents/{id}/cancel", (string id, HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, _ => Cancel(ledger, id)));
        endpoints.MapPost("/v1/refunds", (HttpContext http, StripeLedger ledger, StripeEvents events) =>
            PostAsync(http, ledger, events, form => Refund(ledger, form)));
        endpoints.MapGet("/v1/payment_intents/search", (string? query, HttpContext http, StripeLedger ledger) => Get(http, ledger, () =>
        {
            var match = query is null ? null : MetadataQuery().Match(query);
            if (match is not { Success: true })
            {
                return Error(400, "invalid_request_error", "parameter_invalid_string", "Only metadata['key']:'value' queries are supported by the sandbox.", "query");
            }

            var data = ledger.WithMetadata(match.Groups["key"].Value, match.Groups["value"].Value).ToArray();
            return new Outcome(200, new { @object = "search_result", data, has_more = false, next_page = (string?)null, url = "/v1/payment_intents/search" }, []);
        }));
        endpoints.MapGet("/v1/payment_intents/{id}", (string id, HttpContext http, StripeLedger ledger) => Get(http, ledger, () =>
            ledger.Find(id) is { } intent ? new Outcome(200, intent, []) : Missing(id)));
        // Stripe's list endpoints, newest first, paged by starting_after: what a reconciliation reads.
        endpoints.MapGet("/v1/payment_intents", (HttpContext http, StripeLedger ledger) => Get(http, ledger, () =>
            List(http.Request.Query, "/v1/payment_intents", ledger.All, intent => intent.Id, intent => intent.Created)));
        endpoints.MapGet("/v1/refunds", (HttpContext http, StripeLedger ledger) => Get(http, ledger, () =>
        {
            var paymentIntent = http.Request.Query["payment_intent"].ToString();
            var refunds = ledger.All.Where(intent => paymentIntent.Length == 0 || intent.Id == paymentIntent).SelectMany(intent => intent.Refunds);
            return List(http.Request.Query, "/v1/refunds", refunds, refund => refund.Id, refund => refund.Created);
        }));

        MapInspection(endpoints);
        return endpoints;
    }

    private static void MapInspection(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/sandbox/stripe/payment_intents", (HttpRequest request, StripeLedger ledger) =>
        {
            var filters = request.Query
                .Where(pair => pair.Key.StartsWith("metadata[", StringComparison.Ordinal) && pair.Key.EndsWith(']'))
                .Select(pair => (Key: pair.Key["metadata[".Length..^1], Value: pair.Value.ToString()))
                .ToArray();
            lock (ledger.Gate)
            {
                var intents = ledger.All
                    .Where(intent => filters.All(filter => intent.Metadata.TryGetValue(filter.Key, out var value) && value == filter.Value))
                    .OrderBy(intent => intent.Created)
                    .Select(intent => Inspect(intent))
                    .ToArray();
                return Results.Text(JsonSerializer.Serialize(intents, StripeLedger.Json), "application/json");
            }
        });
        endpoints.MapPost("/sandbox/stripe/payment_intents/{id}/fail-settlement", (string id, StripeLedger ledger, StripeEvents events) =>
        {
            StripeLedger.PaymentIntent failed;
            lock (ledger.Gate)
            {
                if (ledger.Find(id) is not { Status: "succeeded" } intent)
                {
                    return Problem.Invalid($"{id} is not a captured PaymentIntent.");
                }

                intent.Status = "requires_payment_method";
                intent.AmountReceived = 0;
                intent.LastPaymentError = new StripeLedger.ErrorWire("card_error", "card_declined", "insufficient_funds", "The settlement of this payment failed.", null);
                failed = intent;
            }

            return Results.Ok(new { eventId = events.Publish("payment_intent.payment_failed", failed, null) });
        });
        endpoints.MapGet("/sandbox/stripe/events", ([FromQuery(Name = "payment_intent")] string? paymentIntent, StripeEvents events) =>
            Results.Ok(events.About(paymentIntent).Select(sent => new { id = sent.Id, type = sent.Type, paymentIntent = sent.PaymentIntent, created = sent.Created })));
        endpoints.MapPost("/sandbox/stripe/events/{eventId}/resend", (string eventId, StripeEvents events) =>
            events.Resend(eventId) ? Results.Accepted() : Problem.NotFound($"event {eventId} was never sent."));
    }

    /// <summary>Stripe's list shape: newest first (the ledger keeps creation order), created[gte|gt|lte|lt] filters, limit 1..100.</summary>
    private static Outcome List<T>(IQueryCollection query, string url, IEnumerable<T> items, Func<T, string> idOf, Func<T, long> createdOf)
    {
        var limit = 10;
        if (query.TryGetValue("limit", out var requested)
            && (!int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            return Error(400, "invalid_request_error", "parameter_invalid_integer", "limit must be an integer between 1 and 100.", "limit");
        }

        var bounds = new List<Func<long, bool>>();
        foreach (var (name, test) in new (string, Func<long, long, bool>)[]
                 {
                     ("gte", (created, bound) => created >= bound), ("gt", (created, bound) => created > bound),
                     ("lte", (created, bound) => created <= bound), ("lt", (created, bound) => created < bound),
                 })
        {
            if (!query.TryGetValue($"created[{name}]", out var value))
            {
                continue;
            }

            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bound))
            {
                return Error(400, "invalid_request_error", "parameter_invalid_integer", $"created[{name}] must be a unix time.", $"created[{name}]");
            }

            bounds.Add(created => test(created, bound));
        }

        var newestFirst = items.Reverse().Where(item => bounds.All(bound => bound(createdOf(item))));
        if (query["starting_after"].ToString() is { Length: > 0 } after)
        {
            newestFirst = newestFirst.SkipWhile(item => idOf(item) != after).Skip(1);
        }

        var page = newestFirst.Take(limit + 1).ToArray();
        return new Outcome(200, new { @object = "list", data = page.Take(limit).ToArray(), has_more = page.Length > limit, url }, []);
    }

    private static Dictionary<string, object?> Inspect(StripeLedger.PaymentIntent intent)
    {
        var element = JsonSerializer.SerializeToElement(intent, StripeLedger.Json);
        var view = element.EnumerateObject().ToDictionary(property => property.Name, property => (object?)property.Value);
        view["refunds"] = intent.Refunds;
        return view;
    }

    private static Outcome Create(StripeLedger ledger, Dictionary<string, StringValues> form)
    {
        if (!long.TryParse(form.GetValueOrDefault("amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return Error(400, "invalid_request_error", "parameter_invalid_integer", "amount must be a positive integer.", "amount");
        }

        var currency = form.GetValueOrDefault("currency").ToString();
        if (currency.Length != 3)
        {
            return Error(400, "invalid_request_error", "parameter_missing", "currency is required.", "currency");
        }

        if (form.GetValueOrDefault("capture_method") != "manual" || form.GetValueOrDefault("confirm") != "true")
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "The sandbox supports capture_method=manual with confirm=true.", "capture_method");
        }

        var paymentMethod = form.GetValueOrDefault("payment_method").ToString();
        if (paymentMethod is not (StripeLedger.Visa or StripeLedger.Declined))
        {
            return Error(400, "invalid_request_error", "resource_missing", $"No such PaymentMethod: '{paymentMethod}'", "payment_method");
        }

        var metadata = form.Where(pair => pair.Key.StartsWith("metadata[", StringComparison.Ordinal) && pair.Key.EndsWith(']'))
            .ToDictionary(pair => pair.Key["metadata[".Length..^1], pair => pair.Value.ToString(), StringComparer.Ordinal);
        var intent = ledger.Create(amount, currency.ToLowerInvariant(), paymentMethod, form.GetValueOrDefault("description").ToString() is { Length: > 0 } d ? d : null, metadata);
        if (paymentMethod == StripeLedger.Visa)
        {
            return new Outcome(200, intent, [("payment_intent.amount_capturable_updated", intent)]);
        }

        intent.Status = "requires_payment_method";
        intent.AmountCapturable = 0;
        intent.LastPaymentError = new StripeLedger.ErrorWire("card_error", "card_declined", "generic_decline", "Your card was declined.", null);
        return new Outcome(402, new
        {
            error = new
            {
                type = "card_error",
                code = "card_declined",
                decline_code = "generic_decline",
                message = "Your card was declined.",
                payment_intent = intent,
            },
        }, [("payment_intent.payment_failed", intent)]);
    }

    private static Outcome Capture(StripeLedger ledger, string id, Dictionary<string, StringValues> form)
    {
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        if (intent.Status != "requires_capture")
        {
            return UnexpectedState(intent, "capture");
        }

        var amount = intent.AmountCapturable;
        if (form.TryGetValue("amount_to_capture", out var requested)
            && (!long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out amount) || amount <= 0 || amount > intent.AmountCapturable))
        {
            return Error(400, "invalid_request_error", "amount_too_large", "amount_to_capture must be positive and at most amount_capturable.", "amount_to_capture");
        }

        intent.Status = "succeeded";
        intent.AmountReceived = amount;
        intent.AmountCapturable = 0;
        return new Outcome(200, intent, [("payment_intent.succeeded", intent)]);
    }

    private static Outcome Cancel(StripeLedger ledger, string id)
    {
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        if (intent.Status is not ("requires_capture" or "requires_payment_method"))
        {
            return UnexpectedState(intent, "cancel");
        }

        intent.Status = "canceled";
        intent.AmountCapturable = 0;
        intent.CanceledAt = ledger.Now;
        return new Outcome(200, intent, [("payment_intent.canceled", intent)]);
    }

    private static Outcome Refund(StripeLedger ledger, Dictionary<string, StringValues> form)
    {
        var id = form.GetValueOrDefault("payment_intent").ToString();
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        var unrefunded = intent.AmountReceived - intent.Refunded;
        if (intent.Status != "succeeded" || unrefunded <= 0)
        {
            return Error(400, "invalid_request_error", "charge_already_refunded", $"{id} has nothing left to refund.", "payment_intent");
        }

        var amount = unrefunded;
        if (form.TryGetValue("amount", out var requested)
            && (!long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out amount) || amount <= 0 || amount > unrefunded))
        {
            return Error(400, "invalid_request_error", "amount_too_large", "amount must be positive and at most what is unrefunded.", "amount");
        }

        var refund = new StripeLedger.Refund("re_" + StripeLedger.NewId(), amount, intent.Currency, intent.Id, intent.LatestCharge, "succeeded", ledger.Now,
            new Dictionary<string, string>(intent.Metadata));
        intent.Refunds.Add(refund);
        return new Outcome(200, refund, [("charge.refunded", ledger.ChargeOf(intent))]);
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
        lock (ledger.Gate)
        {
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

    private static IResult Get(HttpContext http, StripeLedger ledger, Func<Outcome> read)
    {
        if (Unauthenticated(http) is { } refused)
        {
            return refused;
        }

        StripeLedger.StoredAnswer answer;
        lock (ledger.Gate)
        {
            answer = Serialize("", read());
        }

        return Results.Text(answer.Body, "application/json", Encoding.UTF8, answer.Status);
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

    [GeneratedRegex(@"^metadata\['(?<key>[^']+)'\]:'(?<value>[^']*)'$")]
    private static partial Regex MetadataQuery();
}
