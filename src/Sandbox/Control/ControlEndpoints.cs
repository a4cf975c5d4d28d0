namespace CaaS.Sandbox.Control;

public static class ControlEndpoints
{
    public static IEndpointRouteBuilder MapFaultControl(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/sandbox/faults", (FaultRequest request, FaultRegistry faults) =>
        {
            if (request.System is null || !SystemCall.Systems.Contains(request.System))
            {
                return Problem.Invalid($"system is one of {string.Join(", ", SystemCall.Systems)}.");
            }

            if (request.Mode is null || !Fault.Modes.Contains(request.Mode))
            {
                return Problem.Invalid($"mode is one of {string.Join(", ", Fault.Modes)}.");
            }

            if (request.LatencyMs is < 0 || request.FailRate is < 0 or > 1)
            {
                return Problem.Invalid("latencyMs is not negative and failRate is between 0 and 1.");
            }

            faults.Set(new Fault(request.System, request.Mode, request.LatencyMs ?? 1000, request.FailRate ?? 0.5, request.Vin, request.CustomerId));
            return Results.NoContent();
        });
        endpoints.MapGet("/sandbox/faults", (FaultRegistry faults) => Results.Ok(faults.All));
        endpoints.MapDelete("/sandbox/faults", (FaultRegistry faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });
        endpoints.MapGet("/sandbox/requests", (string? system, RequestLog log) => Results.Ok(log.For(system)));
        endpoints.MapDelete("/sandbox/requests", (RequestLog log) =>
        {
            log.Clear();
            return Results.NoContent();
        });
        return endpoints;
    }
}
