using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;

namespace CaaS.Grains.Integration.Iot;

/// <summary>Which budget an IoT request spends: the commands' breaker (RES-2, IOT-5) or the status poller's own.</summary>
public enum IotPath
{
    Commands,
    Polling,
}

/// <summary>What the IoT client tells its pipeline about a request, and what the pipeline tells it back.</summary>
public static class IotRequest
{
    public static readonly HttpRequestOptionsKey<string> Vin = new("caas.iot.vin");

    public static readonly HttpRequestOptionsKey<IotPath> Path = new("caas.iot.path");

    /// <summary>Set by the breaker handler when a failure was judged the vehicle's, not API IoT's.</summary>
    public static readonly HttpRequestOptionsKey<bool> VehicleScoped = new("caas.iot.vehicle-scoped");
}

/// <summary>
/// The IoT pipeline's breaker step: asks the breaker of the request's path, and
/// tells it only of failures the <see cref="IotFailureJudge"/> finds to be API IoT's. A failure that
/// concerns one vehicle is marked on the request (the client turns it into a
/// <see cref="VehicleUnreachableException"/>) and counts as API IoT having answered, so a half-open
/// probe that reaches an unreachable car still shows the system well.
/// </summary>
public sealed class IotBreakerHandler(CircuitBreakers breakers, IotFailureJudge judge) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Options.TryGetValue(IotRequest.Vin, out var vin);
        var breaker = request.Options.TryGetValue(IotRequest.Path, out var path) && path == IotPath.Polling
            ? breakers.IotPolling
            : breakers.For(ExternalSystem.Iot)!;
        if (!breaker.TryAcquire(out var isProbe))
        {
            throw new CircuitOpenException(ExternalSystem.Iot);
        }

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException)
        {
            // No connection to API IoT at all: that concerns no car in particular.
            judge.RecordFailure(vin);
            breaker.OnFailure(isProbe);
            throw;
        }
        catch
        {
            // No answer in time: a car being woken can hold a request, so whose failure it is is judged.
            Failed(request, breaker, vin, isProbe);
            throw;
        }

        if (Failures.IsSystemFailure(response.StatusCode))
        {
            Failed(request, breaker, vin, isProbe);
        }
        else
        {
            judge.RecordAnswer(vin);
            breaker.OnSuccess(isProbe);
        }

        return response;
    }

    private void Failed(HttpRequestMessage request, CircuitBreaker breaker, string? vin, bool isProbe)
    {
        if (judge.RecordFailure(vin) == FailureScope.Vehicle)
        {
            request.Options.Set(IotRequest.VehicleScoped, true);
            breaker.OnSuccess(isProbe);
        }
        else
        {
            breaker.OnFailure(isProbe);
        }
    }
}
