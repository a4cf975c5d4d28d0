using System.Text.Json;
using CaaS.ApiHost.OpenApi;
using CaaS.Grains.Abstractions;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Validation.Complexity;
using Microsoft.AspNetCore.Http.Features;

namespace CaaS.ApiHost.Admin;

/// <summary>
/// POST /graphql (role ops) around graphql-dotnet's executer, and the ops page that uses it. A
/// request that is not a GraphQL request gets a problem answer; anything GraphQL itself rejects
/// (syntax, validation, depth, complexity, a rule a grain enforced) gets GraphQL's errors shape with
/// a stable <c>extensions.code</c>.
/// </summary>
public static class AdminApi
{
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>Deep enough for the standard introspection query (its type references nest about a dozen levels), no deeper.</summary>
    public const int MaxDepth = 15;

    public const int MaxComplexity = 20_000;

    private static readonly string PageDirectory = Path.Combine(AppContext.BaseDirectory, "Admin", "ops");

    public static IServiceCollection AddCaaSAdmin(this IServiceCollection services)
    {
        services.AddGraphQL(graphQL => graphQL
            .AddSchema<AdminSchema>()
            .AddGraphTypes(typeof(AdminSchema).Assembly)
            .AddSystemTextJson()
            .AddComplexityAnalyzer(complexity =>
            {
                complexity.MaxDepth = MaxDepth;
                complexity.MaxComplexity = MaxComplexity;
                // Introspection reads the schema, which is finite and held in memory; with the depth
                // bound it cannot be made expensive, and clients must be able to run it whole.
                var standard = complexity.DefaultComplexityImpactDelegate;
                complexity.DefaultComplexityImpactDelegate = field =>
                    field.ParentType.Name.StartsWith("__", StringComparison.Ordinal) || field.FieldDefinition.Name.StartsWith("__", StringComparison.Ordinal)
                        ? new FieldComplexityResult(0, 1)
                        : standard(field);
            })
            .AddUnhandledExceptionHandler(context =>
            {
                if (context.OriginalException is DomainException rule)
                {
                    context.Exception = new ExecutionError(rule.Message) { Code = rule.Code };
                }
            }));
        services.AddTransient(typeof(PageType<,>));
        return services;
    }

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/graphql", ExecuteAsync).RequireAuthorization(Roles.Ops)
            .DescribesJsonBody<GraphQLCall>().Produces<GraphQLAnswer>()
            .WithTags("Admin").WithName("ExecuteGraphQL").WithSummary("The admin API (ADM-1..4): one GraphQL query or mutation");
        endpoints.MapGet("/ops", () => Results.File(Path.Combine(PageDirectory, "index.html"), "text/html; charset=utf-8"));
        endpoints.MapGet("/ops/ops.js", () => Results.File(Path.Combine(PageDirectory, "ops.js"), "text/javascript; charset=utf-8"));
        return endpoints;
    }

    private static async Task<IResult> ExecuteAsync(HttpContext http, IDocumentExecuter<AdminSchema> executer, IGraphQLTextSerializer serializer)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBytes;
        }

        if (http.Request.ContentLength > MaxRequestBytes)
        {
            return Problems.For(ErrorCodes.ValidationFailed, $"A GraphQL request is at most {MaxRequestBytes} bytes.");
        }

        if (!http.Request.HasJsonContentType())
        {
            return Problems.For(ErrorCodes.ValidationFailed, "Send the GraphQL request as application/json: {\"query\": ..., \"variables\": ...}.");
        }

        GraphQLRequest? request;
        try
        {
            using var body = new StreamReader(http.Request.Body);
            request = serializer.Deserialize<GraphQLRequest>(await body.ReadToEndAsync(http.RequestAborted));
        }
        catch (Exception malformed) when (malformed is JsonException or InvalidOperationException or NotSupportedException or FormatException)
        {
            return Problems.For(ErrorCodes.ValidationFailed, "The body is not a GraphQL request: " + malformed.Message);
        }

        if (string.IsNullOrWhiteSpace(request?.Query))
        {
            return Problems.For(ErrorCodes.ValidationFailed, "The GraphQL request has no query.");
        }

        var result = await executer.ExecuteAsync(new ExecutionOptions
        {
            Query = request.Query,
            Variables = request.Variables,
            OperationName = request.OperationName,
            RequestServices = http.RequestServices,
            User = http.User,
            CancellationToken = http.RequestAborted,
        });
        return Results.Text(serializer.Serialize(result), "application/json; charset=utf-8");
    }
}
