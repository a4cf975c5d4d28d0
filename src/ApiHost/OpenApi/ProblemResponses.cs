using System.Text.Json.Nodes;
using CaaS.Grains.Abstractions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CaaS.ApiHost.OpenApi;

/// <summary>
/// The problem answers of every operation, from one table of routes and the codes each can answer.
/// Handlers return <see cref="Problems.For"/> and grains throw <see cref="DomainException"/> with a
/// code, so the status of each problem is <see cref="Problems.StatusFor"/>'s, never written twice.
/// A route in the document that the table lacks, or a row naming no route, stops the document: a new
/// route cannot be published without saying how it fails.
/// </summary>
public sealed class ProblemResponses : IOpenApiDocumentTransformer
{
    public const string SchemaName = "Problem";
    private const string MediaType = "application/problem+json";

    private const string ValidationFailed = ErrorCodes.ValidationFailed;
    private const string Unauthenticated = ErrorCodes.Unauthenticated;
    private const string PaymentDeclined = ErrorCodes.PaymentDeclined;
    private const string Forbidden = ErrorCodes.Forbidden;
    private const string NotFound = ErrorCodes.NotFound;
    private const string VehicleUnavailable = ErrorCodes.VehicleUnavailable;
    private const string InvalidState = ErrorCodes.InvalidState;
    private const string CustomerNotEligible = ErrorCodes.CustomerNotEligible;
    private const string MaintenanceRequired = ErrorCodes.MaintenanceRequired;
    private const string IdempotencyKeyReused = ErrorCodes.IdempotencyKeyReused;
    private const string RateLimited = ErrorCodes.RateLimited;
    private const string CustomerVerificationUnavailable = ErrorCodes.CustomerVerificationUnavailable;
    private const string DependencyUnavailable = ErrorCodes.DependencyUnavailable;

    /// <summary>
    /// "METHOD path" as the document names it, and the codes its answers can carry. A customer route
    /// answers 403 to another role and 429 past its per-customer limits (SEC-8); a route with an {id}
    /// answers 404 to an id that cannot name anything (SEC-4); a webhook answers 403 to a sender off its
    /// allow-list and 503 when its message is kept as a dead letter (WH-4, WH-7).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> CodesByRoute = new Dictionary<string, string[]>
    {
        ["GET /api/vehicles/available"] = [ValidationFailed, Unauthenticated, Forbidden, RateLimited, DependencyUnavailable],
        ["POST /api/reservations"] =
        [
            ValidationFailed, Unauthenticated, PaymentDeclined, Forbidden, NotFound, VehicleUnavailable, CustomerNotEligible, IdempotencyKeyReused,
            RateLimited, CustomerVerificationUnavailable, DependencyUnavailable,
        ],
        ["GET /api/reservations/{id}"] = [Unauthenticated, Forbidden, NotFound, RateLimited],
        ["POST /api/reservations/{id}/cancel"] = [Unauthenticated, Forbidden, NotFound, InvalidState, RateLimited, DependencyUnavailable],
        ["POST /api/reservations/{id}/confirm-payment"] = [Unauthenticated, Forbidden, NotFound, InvalidState, RateLimited, DependencyUnavailable],
        ["POST /api/rentals/{id}/unlock"] = [Unauthenticated, Forbidden, NotFound, InvalidState, RateLimited, DependencyUnavailable],
        ["POST /api/rentals/{id}/return"] = [ValidationFailed, Unauthenticated, Forbidden, NotFound, InvalidState, RateLimited, DependencyUnavailable],
        ["POST /api/orders"] = [ValidationFailed, Unauthenticated, Forbidden, IdempotencyKeyReused, RateLimited],
        ["GET /api/orders/{id}"] = [Unauthenticated, Forbidden, NotFound, RateLimited],
        ["POST /api/orders/{id}/delivery"] = [Unauthenticated, Forbidden, NotFound, InvalidState],
        ["POST /api/vehicles/{vin}/services"] =
        [
            ValidationFailed, Unauthenticated, PaymentDeclined, Forbidden, NotFound, InvalidState, MaintenanceRequired, IdempotencyKeyReused,
            RateLimited, DependencyUnavailable,
        ],
        ["GET /api/service-purchases/{id}"] = [Unauthenticated, Forbidden, NotFound, RateLimited],
        ["GET /api/vehicles/{vin}"] = [ValidationFailed, Unauthenticated, NotFound, RateLimited, DependencyUnavailable],
        ["GET /api/bookings/analytics"] = [ValidationFailed, Unauthenticated, Forbidden],
        ["GET /api/bookings/events"] = [ValidationFailed, Unauthenticated, Forbidden],
        ["POST /graphql"] = [ValidationFailed, Unauthenticated, Forbidden],
        ["POST /webhooks/payment/settlement"] = [ValidationFailed, Unauthenticated, Forbidden, RateLimited, DependencyUnavailable],
        ["POST /events/fleet"] = [ValidationFailed, Unauthenticated, Forbidden, RateLimited, DependencyUnavailable],
        ["POST /webhooks/factory/status"] = [ValidationFailed, Unauthenticated, Forbidden, RateLimited, DependencyUnavailable],
    };

    /// <summary>What each code means to a client, shown with its example.</summary>
    private static readonly Dictionary<string, string> Meaning = new()
    {
        [ValidationFailed] = "The request is not valid; `errors` names each field.",
        [Unauthenticated] = "No bearer token, or one the API does not accept (a webhook: its signature or timestamp).",
        [PaymentDeclined] = "The card was declined; nothing is held.",
        [Forbidden] = "The token's role may not use this route (a webhook: the sender is not on its allow-list).",
        [NotFound] = "Nothing the caller may see has that id.",
        [VehicleUnavailable] = "The vehicle is taken or out of service for that time.",
        [InvalidState] = "The flow is not in a state that allows this (too early, already ended).",
        [CustomerNotEligible] = "The customer may not rent (identity not verified, credit too low).",
        [MaintenanceRequired] = "The vehicle's maintenance is overdue: no service can be bought.",
        [IdempotencyKeyReused] = "The Idempotency-Key was used before with a different request.",
        [RateLimited] = "Too many requests; Retry-After says when to try again.",
        [CustomerVerificationUnavailable] = "The customer system cannot be reached to verify the customer; nothing is held.",
        [DependencyUnavailable] = "A system the platform depends on cannot be reached now; nothing changed, try again.",
        [Problems.InternalError] = "A fault of the platform's own.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[SchemaName] = ProblemSchema();
        var described = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var route = $"{method.Method} {path}";
                if (!CodesByRoute.TryGetValue(route, out var codes))
                {
                    throw new InvalidOperationException($"{route} is in the API but not in {nameof(ProblemResponses)}.{nameof(CodesByRoute)}: say which problems it answers.");
                }

                described.Add(route);
                operation.Responses ??= [];
                var answers = codes.Select(code => (code, status: Problems.StatusFor(code))).ToList();
                // SEC-4: Kestrel refuses any body over 1 MiB before a handler runs.
                if (operation.RequestBody is not null)
                {
                    answers.Add((ValidationFailed, StatusCodes.Status413PayloadTooLarge));
                }

                answers.Add((Problems.InternalError, StatusCodes.Status500InternalServerError));
                foreach (var byStatus in answers.GroupBy(answer => answer.status).OrderBy(group => group.Key))
                {
                    operation.Responses[byStatus.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                        Response(document, byStatus.Key, byStatus.Select(answer => answer.code).ToList());
                }
            }
        }

        if (CodesByRoute.Keys.Except(described).ToList() is { Count: > 0 } stale)
        {
            throw new InvalidOperationException($"{nameof(ProblemResponses)}.{nameof(CodesByRoute)} names routes the API does not have: {string.Join(", ", stale)}.");
        }

        return Task.CompletedTask;
    }

    private static OpenApiResponse Response(OpenApiDocument document, int status, IReadOnlyList<string> codes)
    {
        var media = new OpenApiMediaType
        {
            Schema = new OpenApiSchemaReference(SchemaName, document),
            Examples = codes.ToDictionary(code => code, code => (IOpenApiExample)new OpenApiExample
            {
                Summary = Meaning[code],
                Value = Example(status, code),
            }),
        };
        var response = new OpenApiResponse
        {
            Description = string.Join(" ", codes.Select(code => $"`{code}`: {Meaning[code]}")),
            Content = new Dictionary<string, OpenApiMediaType> { [MediaType] = media },
        };
        if (status == StatusCodes.Status429TooManyRequests)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Whole seconds until a request may succeed, when the limiter knows.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                },
            };
        }

        return response;
    }

    private static JsonObject Example(int status, string code)
    {
        var example = new JsonObject
        {
            ["type"] = $"https://tools.ietf.org/html/rfc9110#section-15.{(status < 500 ? 5 : 6)}.{(status < 500 ? status - 399 : status - 499)}",
            ["title"] = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            ["status"] = status,
            ["detail"] = Meaning[code],
            ["code"] = code,
            ["traceId"] = "4bf92f3577b34da6a3ce929d0e0e4736",
        };
        if (code == ValidationFailed && status == StatusCodes.Status400BadRequest)
        {
            example["errors"] = new JsonObject { ["paymentMethodId"] = new JsonArray("paymentMethodId is required (at most 100 characters).") };
        }

        return example;
    }

    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details with the platform's stable `code`.",
        Required = new HashSet<string> { "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                // Not an enum: a client generated today must still read a code added later.
                Description = "Stable across releases; a client branches on it, never on `detail`. Each response lists the codes it can carry.",
            },
            ["traceId"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "The request's W3C trace id: the X-Trace-Id or traceparent the caller sent, if any (OBS-2).",
            },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "VALIDATION_FAILED only: the messages for each field.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
    };
}
