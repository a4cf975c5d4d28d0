namespace CaaS.Grains.Abstractions.Integration;

/// <summary>
/// API IoT (IOT-1, IOT-2, IOT-5). A command is acknowledged, not completed: completion is read by
/// polling <see cref="GetStatusAsync"/>. While the IoT circuit breaker is open a command waits in
/// the silo's queue and <see cref="IIotCommandOwner"/> hears when it was finally sent.
/// </summary>
public interface IIotAdapterGrain : IGrainWithIntegerKey
{
    Task<IotDispatch> SendCommandAsync(IotCommandRequest request);

    /// <summary>A vehicle's status for the owner of a command: spends the commands' breaker budget.</summary>
    Task<IotVehicleStatus> GetStatusAsync(string vin);

    /// <summary>
    /// A vehicle's status for the fleet poller (IOT-7): spends the poller's own budget, so polling never
    /// opens the command breaker. Throws <see cref="VehicleUnreachableException"/> for a car API IoT
    /// cannot reach while it answers for others.
    /// </summary>
    Task<IotVehicleStatus> PollStatusAsync(string vin);
}

/// <summary>Implemented by the grains that send IoT commands, to learn the fate of a queued one.</summary>
public interface IIotCommandOwner : IGrainWithStringKey
{
    Task OnIotCommandDispatchedAsync(string correlationId, IotDispatch dispatch);
}

[GenerateSerializer, Immutable, Alias("caas.iot-command-request")]
public sealed record IotCommandRequest(
    [property: Id(0)] string Vin,
    [property: Id(1)] string Command,
    [property: Id(2)] IReadOnlyDictionary<string, string> Parameters,
    [property: Id(3)] string CorrelationId,
    [property: Id(4)] GrainId? Owner,
    [property: Id(5)] string? TraceParent = null);

public static class IotCommands
{
    public const string ActivateService = "ACTIVATE_SERVICE";
    public const string Unlock = "UNLOCK";
    public const string Lock = "LOCK";

    /// <summary>
    /// IOT-5 and IOT-9: whether a command may wait in the queue while the breaker is open. An UNLOCK
    /// may not: a customer who was told no has walked away, and a car opening minutes later, maybe
    /// for a rental since cancelled, is a car left open. A LOCK or an activation means the same later.
    /// </summary>
    public static bool MayWait(string command) => command != Unlock;
}

[GenerateSerializer, Alias("caas.iot-dispatch-status")]
public enum IotDispatchStatus
{
    /// <summary>API IoT acknowledged it (202): <see cref="IotDispatch.CommandId"/> is set.</summary>
    Accepted = 0,

    /// <summary>The breaker is open: it waits in the silo's queue (only a command that <see cref="IotCommands.MayWait"/>).</summary>
    Queued = 1,

    /// <summary>It left the queue but API IoT did not take it.</summary>
    Failed = 2,
}

[GenerateSerializer, Immutable, Alias("caas.iot-dispatch")]
public sealed record IotDispatch(
    [property: Id(0)] IotDispatchStatus Status,
    [property: Id(1)] string? CommandId,
    [property: Id(2)] string? Error = null);

[GenerateSerializer, Immutable, Alias("caas.iot-vehicle-status")]
public sealed record IotVehicleStatus(
    [property: Id(0)] string Vin,
    [property: Id(1)] DateTimeOffset LastContact,
    [property: Id(2)] VehicleTelemetry Telemetry,
    [property: Id(3)] IReadOnlyList<IotCommandState> Commands);

[GenerateSerializer, Immutable, Alias("caas.vehicle-telemetry")]
public sealed record VehicleTelemetry(
    [property: Id(0)] double OdometerKm,
    [property: Id(1)] int EnergyPercent,
    [property: Id(2)] double Latitude,
    [property: Id(3)] double Longitude,
    [property: Id(4)] bool Locked);

[GenerateSerializer, Immutable, Alias("caas.iot-command-state")]
public sealed record IotCommandState(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Command,
    [property: Id(2)] string Status,
    [property: Id(3)] DateTimeOffset UpdatedAt)
{
    public bool IsCompleted => Status == "COMPLETED";

    public bool IsFailed => Status == "FAILED";
}
