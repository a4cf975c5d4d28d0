using System.Collections.Concurrent;

namespace CaaS.Sandbox.Control;

public sealed record FaultRequest(string? System, string? Mode, int? LatencyMs, double? FailRate, string? Vin, string? CustomerId);

public sealed record Fault(string System, string Mode, int LatencyMs, double FailRate, string? Vin, string? CustomerId)
{
    /// <summary>
    /// "drop": the request is carried out and its answer lost (the connection is cut instead), as a network
    /// failure after the fact does. "refuse": the system answers 400 and does nothing, as one that says no does.
    /// </summary>
    public static readonly string[] Modes = ["ok", "down", "timeout", "slow", "flaky", "drop", "refuse"];

    public bool Narrowed => Vin is not null || CustomerId is not null;

    public bool AppliesTo(SystemCall call) =>
        (Vin is null || string.Equals(Vin, call.Vin, StringComparison.OrdinalIgnoreCase))
        && (CustomerId is null || string.Equals(CustomerId, call.CustomerId, StringComparison.Ordinal));
}

/// <summary>
/// The faults in force, one per system and narrowing: a later fault for the same pair replaces the
/// earlier one, and a narrowed fault wins over the system-wide one for the calls it names.
/// </summary>
public sealed class FaultRegistry
{
    private readonly ConcurrentDictionary<(string System, string? Vin, string? CustomerId), Fault> _faults = new();

    public void Set(Fault fault)
    {
        var key = (fault.System, fault.Vin?.ToUpperInvariant(), fault.CustomerId);
        if (fault.Mode == "ok" && !fault.Narrowed)
        {
            _faults.TryRemove(key, out _);
            return;
        }

        _faults[key] = fault;
    }

    public IReadOnlyList<Fault> All => [.. _faults.Values.OrderBy(fault => fault.System, StringComparer.Ordinal)];

    public void Clear() => _faults.Clear();

    public Fault? For(SystemCall call)
    {
        var matching = _faults.Values.Where(fault => fault.System == call.System && fault.AppliesTo(call)).ToArray();
        return matching.FirstOrDefault(fault => fault.Narrowed) ?? matching.FirstOrDefault();
    }
}
