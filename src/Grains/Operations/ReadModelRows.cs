namespace CaaS.Grains.Operations;

/// <summary>
/// A read model kept as rows under keys (a day, a partition), so a batch of the log writes only what
/// it carries (issue 18). Each read model adds how a batch is written.
/// </summary>
public interface IReadModelRows<T>
{
    Task<IReadOnlyList<T>> ListAsync(string key, CancellationToken cancellationToken = default);

    Task ClearAsync(string key, CancellationToken cancellationToken = default);
}
