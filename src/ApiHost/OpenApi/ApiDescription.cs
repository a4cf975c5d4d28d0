using System.Text.Json;
using System.Text.Json.Nodes;
using CaaS.ApiHost.Endpoints;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CaaS.ApiHost.OpenApi;

/// <summary>
/// The REST API described as OpenAPI 3.1 at <see cref="DocumentPath"/> (committed as
/// docs/openapi.json, which a test keeps equal to this), and read by people at <see cref="ReferencePath"/>.
/// Schemas come from the handlers' <c>TypedResults</c>; this adds what the framework cannot see:
/// who may call (bearer, roles), the Idempotency-Key, webhook signatures, request examples and,
/// through <see cref="ProblemResponses"/>, every problem answer.
/// </summary>
public static class ApiDescription
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddCaaSOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            // The ops page's HTML and script are pages, not API.
            options.ShouldInclude = description => description.RelativePath?.StartsWith("ops", StringComparison.Ordinal) != true;
            // Any JSON at all: inline, not a component that generated clients would take for a type of its own.
            options.CreateSchemaReferenceId = type => (Nullable.GetUnderlyingType(type.Type) ?? type.Type) == typeof(JsonElement) ? null : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddDocumentTransformer((document, _, _) => DescribeAsync(document));
            options.AddSchemaTransformer((schema, _, _) => NumbersAreNumbers(schema));
            options.AddOperationTransformer((operation, context, _) => DescribeAsync(operation, context));
            options.AddDocumentTransformer<ProblemResponses>();
        });

    public static IEndpointRouteBuilder MapCaaSApiDescription(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi("/openapi/{documentName}.json");
        endpoints.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("CaaS platform API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .AddDocument(DocumentName)
            .AddPreferredSecuritySchemes(BearerScheme));
        return endpoints;
    }

    private static Task DescribeAsync(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "CaaS platform API",
            Version = "1",
            Description = "The mobile app's rentals, the web platform's orders and vehicle services, analytics, the admin API and the "
                + "webhooks of Stripe, Fleet Management and the Factory. JSON is camelCase, times are ISO 8601, money is "
                + "`{ \"amount\": minor units, \"currency\" }`, and every error is `application/problem+json` with a stable `code`. "
                + "docs/api-contract.md is the prose contract; this document is generated from the API host.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token from the OpenID Connect issuer the API trusts (SEC-6), RS256 or ES256; its `role` claim is "
                + "customer, ops or analytics, and a customer's `sub` is the customerId.",
        };
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = "Rentals", Description = "The mobile app: find a vehicle, reserve, unlock, return (MOB-1..6)." },
            new() { Name = "Orders", Description = "The web platform orders a vehicle from the Factory; ops hand it over (WEB-1, FAC-1)." },
            new() { Name = "Services", Description = "Vehicle services bought for a customer's own vehicle and activated over the air." },
            new() { Name = "Vehicles", Description = "A vehicle's status, history and, for those allowed, telemetry." },
            new() { Name = "Analytics", Description = "Bookings for the forecasting job (ANA-1, ANA-2)." },
            new() { Name = "Admin", Description = "The ops role's GraphQL API (ADM-1..4)." },
            new() { Name = "Webhooks", Description = "Signed messages from the external systems; unsigned, stale or unknown senders are refused." },
        };
        return Task.CompletedTask;
    }

    /// <summary>
    /// ASP.NET Core's web defaults also read a number sent as a string, and describe every number as
    /// "number or string"; clients are to send numbers, and a generated client should not have to
    /// choose between two shapes of each.
    /// </summary>
    private static Task NumbersAreNumbers(OpenApiSchema schema)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A JSON body the handler reads itself. Not Accepts metadata: with it routing answers a request of
    /// another media type 415 before the handler can give its own 400 problem (SEC-4).
    /// </summary>
    public static RouteHandlerBuilder DescribesJsonBody<T>(this RouteHandlerBuilder route) =>
        route.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var body = new OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken) };
            if (operation.OperationId is { } id && RequestExamples.TryGetValue(id, out var example))
            {
                body.Example = JsonNode.Parse(example);
            }

            operation.RequestBody = new OpenApiRequestBody { Required = true, Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = body } };
        });

    private static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAuthorizeData>().ToList() is { Count: > 0 } authorization && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
            var roles = authorization.Select(data => data.Policy).OfType<string>().Distinct().ToList();
            operation.Description = roles.Count == 0
                ? "Any signed-in caller: customer, ops or analytics."
                : $"A bearer token with the role {string.Join(" and ", roles.Select(role => $"`{role}`"))}"
                    + (roles.Contains(Roles.Analytics) ? " (ops may call it too)." : ".");
        }
        else
        {
            // Stated, so that no operation is public by omission: webhooks prove their sender by signature instead.
            operation.Security = [];
        }

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.Name == IdempotentIds.Header)
            {
                parameter.Description = "Makes the call safe to repeat: the same key with the same request answers the first answer again, "
                    + "without booking or charging twice; with a different request it is 422 IDEMPOTENCY_KEY_REUSED. Keys are per customer.";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 200 };
                parameter.Example = JsonValue.Create("mobile-5f0c2b7e-reserve-1");
            }
        }

        if (operation.OperationId is { } id && RequestExamples.TryGetValue(id, out var example)
            && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
        {
            body.Example = JsonNode.Parse(example);
        }

        return Task.CompletedTask;
    }

    private static readonly Dictionary<string, string> RequestExamples = new()
    {
        ["CreateReservation"] = """{"vehicleId":"veh-001","startsAt":"2027-03-01T09:00:00Z","endsAt":"2027-03-01T13:00:00Z","paymentMethodId":"pm_card_visa"}""",
        ["ReturnRental"] = """{"odometerKm":23456.7,"energyPercent":64,"photoUrls":["https://photos.example/front.jpg"],"latitude":40.4168,"longitude":-3.7038}""",
        ["PlaceOrder"] = """{"vehicleSpec":{"model":"ID.4","trim":"Pro","color":"Moonstone Grey","country":"ES"}}""",
        ["PurchaseService"] = """{"serviceCode":"ENHANCED_POWER","paymentMethodId":"pm_card_visa"}""",
        ["ExecuteGraphQL"] = """{"query":"query { alerts { id subject } }"}""",
        ["ReceiveFleetEvent"] = """{"eventId":"evt-1","type":"VehicleStatusChanged","vin":"WVWZZZE1ZMP000001","status":"OutOfService","occurredAt":"2027-03-01T09:00:00Z"}""",
        ["ReceiveFactoryStatus"] = """{"orderId":"fo-1","reference":"ord-1","status":"MANUFACTURING","occurredAt":"2027-03-01T09:00:00Z"}""",
        ["ReceiveStripeEvent"] = """{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1803888000,"data":{"object":{"id":"pi_1","object":"payment_intent"}}}""",
    };
}

/// <summary>The headers each webhook's sender signs with, documented on its operation.</summary>
public static class ApiSignatures
{
    public static readonly string[] Stripe = ["Stripe-Signature"];
    public static readonly string[] StandardWebhooks = ["webhook-id", "webhook-timestamp", "webhook-signature"];

    private static readonly Dictionary<string, string> Meaning = new()
    {
        ["Stripe-Signature"] = "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"{t}.{body}\">`, within 5 minutes.",
        ["webhook-id"] = "The message's id; a repeat of it is answered `duplicate` and applied once.",
        ["webhook-timestamp"] = "Unix seconds; more than 5 minutes off is refused.",
        ["webhook-signature"] = "`v1,<base64 HMAC-SHA256 of \"{id}.{timestamp}.{body}\">` with the sender's secret.",
    };

    public static Task Describe(OpenApiOperation operation, IEnumerable<string> headers)
    {
        operation.Parameters ??= [];
        foreach (var header in headers)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header,
                In = ParameterLocation.Header,
                Required = true,
                Description = Meaning[header],
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        return Task.CompletedTask;
    }
}

/// <summary>A GraphQL request as the admin API reads it (the GraphQL over HTTP shape).</summary>
public sealed record GraphQLCall(string Query, Dictionary<string, JsonElement>? Variables = null, string? OperationName = null);

/// <summary>GraphQL's answer: 200 whatever the query's errors, each with a stable <c>extensions.code</c>.</summary>
public sealed record GraphQLAnswer(JsonElement? Data, IReadOnlyList<JsonElement>? Errors);
