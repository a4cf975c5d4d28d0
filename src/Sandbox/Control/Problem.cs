namespace CaaS.Sandbox.Control;

/// <summary>Errors of the sandbox's own control API, in the same problem shape the platform uses.</summary>
public static class Problem
{
    public static IResult Invalid(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest,
        extensions: new Dictionary<string, object?> { ["code"] = "VALIDATION_FAILED" });

    public static IResult NotFound(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound,
        extensions: new Dictionary<string, object?> { ["code"] = "NOT_FOUND" });
}
