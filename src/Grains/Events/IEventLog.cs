using CaaS.Grains.Abstractions.Events;

namespace CaaS.Grains.Events;

/// <summary>
/// The platform's event log: JetStream when configured, the silo's memory otherwise. Publishing
/// returns once the log holds the events (JetStream's acknowledgement), in the order given.
/// </summary>
public interface IEventLog
{
    /// <param name="resend">A rebuild's re-send of what the log may no longer hold: not dropped by the duplicate window (consumers drop it by sequence when they have it).</param>
    Task PublishAsync(IReadOnlyList<CaaSEvent> events, CancellationToken cancellationToken = default, bool resend = false);

    /// <summary>
    /// The next events of a durable consumer: what follows its last acknowledgement, unacknowledged
    /// ones again after <see cref="EventsOptions.AckWait"/>. Waits up to <paramref name="wait"/> for the first.
    /// </summary>
    Task<IReadOnlyList<LoggedEvent>> FetchAsync(string consumer, string filter, int max, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>Acknowledges everything the consumer was given up to and including <paramref name="position"/>.</summary>
    Task AckAsync(string consumer, long position, CancellationToken cancellationToken = default);

    /// <summary>Starts the consumer over from the oldest event the log keeps (a read model's rebuild).</summary>
    Task ResetAsync(string consumer, string filter, CancellationToken cancellationToken = default);

    /// <summary>Events after a position, for readers that keep their own place (SSE); waits up to <paramref name="wait"/>.</summary>
    Task<EventPage> ReadAsync(string filter, long after, int max, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>The newest position the log holds (0 when empty).</summary>
    Task<long> HeadAsync(CancellationToken cancellationToken = default);
}
