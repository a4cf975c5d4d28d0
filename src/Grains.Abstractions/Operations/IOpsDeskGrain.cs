namespace CaaS.Grains.Abstractions.Operations;

/// <summary>
/// The operators' questions and commands that span several grains (the flow index and the flows, the
/// ops items and the inboxes), answered in the silo so the admin API only maps them. Key 0.
/// </summary>
public interface IOpsDeskGrain : IGrainWithIntegerKey
{
    /// <summary>ADM-1: rentals under way (unlocked, or returned and not yet settled), as the flow index holds them.</summary>
    Task<IReadOnlyList<FlowMoved>> ActiveRentalsAsync();

    /// <summary>
    /// Unfinished flows of a kind (every kind when null) silent for longer than the threshold past any wait
    /// they announced, each confirmed by its own grain, and how many there are of each kind and state.
    /// </summary>
    Task<StuckFlowsReport> StuckFlowsAsync(string? kind, TimeSpan threshold);

    /// <summary>
    /// WH-6: processes a dead letter again through its inbox (still once at most); resolved, by
    /// <paramref name="actor"/>, once it has gone through.
    /// </summary>
    [ResponseTimeout("00:03:00")]
    Task<DeadLetterReplayed> ReplayDeadLetterAsync(string id, string actor);
}

[GenerateSerializer, Immutable, Alias("caas.stuck-group")]
public sealed record StuckGroup(
    [property: Id(0)] string Kind,
    [property: Id(1)] string State,
    [property: Id(2)] int Count,
    [property: Id(3)] DateTimeOffset OldestMovedAt);

/// <param name="Groups">By kind, then state.</param>
[GenerateSerializer, Immutable, Alias("caas.stuck-flows-report")]
public sealed record StuckFlowsReport(
    [property: Id(0)] IReadOnlyList<StuckGroup> Groups,
    [property: Id(1)] IReadOnlyList<FlowMoved> Flows);

[GenerateSerializer, Immutable, Alias("caas.dead-letter-replayed")]
public sealed record DeadLetterReplayed(
    [property: Id(0)] InboxOutcome Outcome,
    [property: Id(1)] OpsItem DeadLetter);
