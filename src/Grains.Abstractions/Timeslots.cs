namespace CaaS.Grains.Abstractions;

/// <summary>A vehicle's time taken by a reservation (MOB-6) or blocked by scheduled maintenance (FLT-2).</summary>
[GenerateSerializer, Immutable, Alias("caas.timeslot")]
public sealed record Timeslot(
    [property: Id(0)] string Owner,
    [property: Id(1)] DateTimeOffset From,
    [property: Id(2)] DateTimeOffset To,
    [property: Id(3)] TimeslotKind Kind)
{
    public bool Overlaps(DateTimeOffset from, DateTimeOffset to) => From < to && from < To;
}

[GenerateSerializer, Alias("caas.timeslot-kind")]
public enum TimeslotKind
{
    Reservation = 0,
    Maintenance = 1,
}

[GenerateSerializer, Alias("caas.hold-outcome")]
public enum HoldOutcome
{
    Held = 0,
    Taken = 1,
    NotRentable = 2,
}
