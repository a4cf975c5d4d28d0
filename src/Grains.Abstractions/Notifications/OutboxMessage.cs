namespace CaaS.Grains.Abstractions.Notifications;

/// <summary>
/// NOT-1: a customer notification recorded in the same state write as the change that caused it,
/// then delivered at least once; <see cref="Id"/> is the provider's idempotency key, so "at least
/// once" reaches the customer once.
/// </summary>
[GenerateSerializer, Immutable, Alias("caas.outbox-message")]
public sealed record OutboxMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] string To,
    [property: Id(2)] string Channel,
    [property: Id(3)] string Template,
    [property: Id(4)] string Subject,
    [property: Id(5)] IReadOnlyDictionary<string, string> Data,
    [property: Id(6)] DateTimeOffset RecordedAt);
