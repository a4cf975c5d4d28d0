namespace CaaS.ApiHost.Endpoints;

/// <summary>
/// SEC-4: an {id} in a route that cannot name anything (blank, control characters, longer than any
/// id the platform issues) names nothing: 404 NOT_FOUND before any grain is asked. A blank id made
/// Orleans refuse the grain key, which answered 500.
/// </summary>
public static class RouteIds
{
    public const int MaxLength = 200;

    public static bool IsValid(string? id) => !string.IsNullOrWhiteSpace(id) && id.Length <= MaxLength && !id.Any(char.IsControl);

    public static TBuilder RequireValidIds<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.RouteValues.TryGetValue("id", out var value) && !IsValid(value as string)
                ? Problems.For(Grains.Abstractions.ErrorCodes.NotFound, "No resource has that id.")
                : await next(context));
}
