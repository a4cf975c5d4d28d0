using CaaS.Grains.Abstractions.Integration;
using Orleans.Concurrency;

namespace CaaS.Grains.Abstractions.Services;

/// <summary>
/// One over-the-air command to a vehicle, carried out until it is confirmed or has failed every
/// attempt (IOT-3): an attempt sends the command and polls its completion up to the attempt
/// timeout; a failed attempt is retried at a fixed interval, at most the configured number of
/// times. The schedule lives in state and a reminder, so a silo dying does not lose it.
/// </summary>
public interface IOtaCommandGrain : Operations.IFlowGrain, IIotCommandOwner
{
    /// <summary>Starting it again is harmless.</summary>
    Task StartAsync(OtaCommandRequest request);

    /// <summary>Null when no command has this id.</summary>
    [AlwaysInterleave]
    Task<OtaCommandView?> GetAsync();
}

[GenerateSerializer, Alias("caas.ota-command-status")]
public enum OtaCommandStatus
{
    Pending = 0,
    Succeeded = 1,
    Failed = 2,
}

/// <param name="PurchaseId">the service purchase told of the outcome.</param>
/// <param name="TraceParent">OBS-2: the purchase's trace (W3C traceparent), which every attempt's spans continue.</param>
[GenerateSerializer, Immutable, Alias("caas.ota-command-request")]
public sealed record OtaCommandRequest(
    [property: Id(0)] string Vin,
    [property: Id(1)] string Command,
    [property: Id(2)] IReadOnlyDictionary<string, string> Parameters,
    [property: Id(3)] string PurchaseId,
    [property: Id(4)] string? TraceParent = null);

[GenerateSerializer, Immutable, Alias("caas.ota-attempt")]
public sealed record OtaAttempt(
    [property: Id(0)] int Number,
    [property: Id(1)] DateTimeOffset ScheduledAt,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] DateTimeOffset Deadline,
    [property: Id(4)] string? IotCommandId,
    [property: Id(5)] string? Outcome);

[GenerateSerializer, Immutable, Alias("caas.ota-command-view")]
public sealed record OtaCommandView(
    [property: Id(0)] string CommandId,
    [property: Id(1)] OtaCommandRequest Request,
    [property: Id(2)] OtaCommandStatus Status,
    [property: Id(3)] IReadOnlyList<OtaAttempt> Attempts,
    [property: Id(4)] DateTimeOffset? NextAttemptAt,
    [property: Id(5)] IReadOnlyList<TransitionRecord> History);

[GenerateSerializer, Alias("caas.ota-command-state")]
public sealed class OtaCommandState : Flows.IFlowState<OtaCommandStatus>
{
    [Id(0)] public OtaCommandRequest? Request { get; set; }
    [Id(1)] public OtaCommandStatus Status { get; set; }
    /// <summary>Every attempt so far; the last is in flight while its Outcome is null.</summary>
    [Id(2)] public List<OtaAttempt> Attempts { get; set; } = [];
    [Id(3)] public DateTimeOffset? NextAttemptAt { get; set; }
    [Id(5)] public string? LastError { get; set; }
    [Id(6)] public List<TransitionRecord> History { get; set; } = [];
    [Id(7)] public Flows.FlowJournal Journal { get; set; } = new();

    /// <summary>Written by versions before the flow journal; read once by the upgrade into it, never written again.</summary>
    [Id(4)] public bool LegacyOwnerTold { get; set; }
}
