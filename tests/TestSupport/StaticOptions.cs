using Microsoft.Extensions.Options;

namespace CaaS.TestSupport;

/// <summary>Options that never change, for a class under test that takes an options monitor.</summary>
public sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
