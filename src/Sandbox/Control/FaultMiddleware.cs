using CaaS.Grains.Abstractions.Integration;
namespace CaaS.Sandbox.Control;

/// <summary>
/// In front of every external system: records the request, then plays the fault in force (down, a
/// held request, latency, flakiness) before the system itself sees it, as an outage would.
/// </summary>
public sealed class FaultMiddleware(RequestDelegate next, FaultRegistry faults, RequestLog log, TimeProvider time, ILogger<FaultMiddleware> logger)
{
    /// <summary>A held request is released after this long even if the caller never gives up.</summary>
    private static readonly TimeSpan HoldLimit = TimeSpan.FromMinutes(5);

    public async Task InvokeAsync(HttpContext context)
    {
        var call = SystemCall.Classify(context.Request.Path);
        if (call is null)
        {
            await next(context);
            return;
        }

        var recorded = log.Record(call, context.Request, time.GetUtcNow());
        try
        {
            var fault = call.FaultsApply ? faults.For(call) : null;
            if (fault is not null && await PlayAsync(fault, context))
            {
                return;
            }

            if (fault?.Mode == "drop")
            {
                await CarryOutAndDropAsync(context);
                return;
            }

            await next(context);
        }
        finally
        {
            recorded.Status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
        }
    }

    /// <returns>true when the fault answered the request itself.</returns>
    private async Task<bool> PlayAsync(Fault fault, HttpContext context)
    {
        switch (fault.Mode)
        {
            case "down":
                await UnavailableAsync(context, fault);
                return true;
            case "refuse":
                await RefusedAsync(context, fault);
                return true;
            case "flaky" when Random.Shared.NextDouble() < fault.FailRate:
                await UnavailableAsync(context, fault);
                return true;
            case "slow":
                // Like a real system, a slow request is still carried out when its caller hangs up.
                await Task.Delay(TimeSpan.FromMilliseconds(fault.LatencyMs), time);
                return false;
            case "timeout":
                logger.LogInformation("Holding {Method} {Path} without an answer ({System} timeout fault)", context.Request.Method, context.Request.Path, fault.System);
                try
                {
                    await Task.Delay(HoldLimit, time, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The caller gave up, which is the point of the fault.
                }

                context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The system does what was asked; the caller never hears of it.</summary>
    private async Task CarryOutAndDropAsync(HttpContext context)
    {
        var answer = context.Response.Body;
        context.Response.Body = Stream.Null;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = answer;
        }

        logger.LogInformation("Carried out {Method} {Path} and dropped its answer (drop fault)", context.Request.Method, context.Request.Path);
        context.Abort();
    }

    private static Task RefusedAsync(HttpContext context, Fault fault)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        var message = $"{fault.System} refused the request (sandbox fault refuse)";
        return fault.System == ExternalSystem.Stripe
            ? context.Response.WriteAsJsonAsync(new { error = new { type = "invalid_request_error", code = "sandbox_refused", message } })
            : context.Response.WriteAsJsonAsync(new { error = message });
    }

    private static Task UnavailableAsync(HttpContext context, Fault fault)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        var message = $"{fault.System} is unavailable (sandbox fault {fault.Mode})";
        // Stripe.net reads Stripe's error envelope even from a 503.
        return fault.System == ExternalSystem.Stripe
            ? context.Response.WriteAsJsonAsync(new { error = new { type = "api_error", message } })
            : context.Response.WriteAsJsonAsync(new { error = message });
    }
}
