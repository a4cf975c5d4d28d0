using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Operations;

/// <summary>
/// ADM-4's revenue days as one row per money movement and day (issue 18): a batch of the log writes
/// the movements it carries, never the whole day again. A movement is a fact of its own, kept once
/// by its id however often the log delivers it.
/// </summary>
public interface IRevenueDayRows : IReadModelRows<MoneyMoved>
{
    /// <summary>Returns once every movement is stored; one its day holds already changes nothing.</summary>
    Task RecordAsync(IReadOnlyList<MoneyMoved> movements, CancellationToken cancellationToken = default);
}

/// <summary>The embedded default's revenue days: in the silo's memory, like its grain storage, and lost with it.</summary>
public sealed class InMemoryRevenueDayRows : IRevenueDayRows
{
    private readonly Dictionary<string, Dictionary<string, MoneyMoved>> _days = new(StringComparer.Ordinal);

    public Task RecordAsync(IReadOnlyList<MoneyMoved> movements, CancellationToken cancellationToken = default)
    {
        lock (_days)
        {
            foreach (var moved in movements)
            {
                var day = RevenueStreams.DayKey(moved.At);
                if (!_days.TryGetValue(day, out var movementsOfDay))
                {
                    _days[day] = movementsOfDay = new Dictionary<string, MoneyMoved>(StringComparer.Ordinal);
                }

                movementsOfDay.TryAdd(moved.MovementId, moved);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<MoneyMoved>> ListAsync(string day, CancellationToken cancellationToken = default)
    {
        lock (_days)
        {
            return Task.FromResult<IReadOnlyList<MoneyMoved>>(_days.TryGetValue(day, out var movements) ? [.. movements.Values] : []);
        }
    }

    public Task ClearAsync(string day, CancellationToken cancellationToken = default)
    {
        lock (_days)
        {
            _days.Remove(day);
        }

        return Task.CompletedTask;
    }
}
