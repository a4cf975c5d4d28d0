namespace CaaS.Grains.Abstractions;

/// <summary>A vehicle of the fleet or of a customer, keyed by VIN.</summary>
public interface IVehicleGrain : IGrainWithStringKey
{
    /// <summary>The vehicle as the platform knows it, or null when it has never heard of it.</summary>
    Task<VehicleSnapshot?> GetAsync();

    /// <summary>
    /// Records a status reported at <see cref="VehicleStatusReport.OccurredAt"/>. A report older than
    /// the one already applied changes nothing (FLT-3), and the answer says so.
    /// </summary>
    Task<StatusChangeOutcome> ReportStatusAsync(VehicleStatusReport report);

    /// <summary>
    /// MOB-6: takes the timeslot for a reservation unless anything overlaps it. The grain is the one
    /// place that decides, one call at a time, so of two overlapping requests exactly one wins.
    /// Holding again for the same reservation is harmless. <paramref name="fleetStatus"/> is what
    /// Fleet Management reported, used while the platform has no status of its own (FLT-4).
    /// </summary>
    Task<HoldOutcome> HoldAsync(string reservationId, DateTimeOffset from, DateTimeOffset to, VehicleStatus fleetStatus);

    /// <summary>Frees a reservation's timeslot; releasing one that is not held is harmless.</summary>
    Task ReleaseAsync(string reservationId);

    Task<bool> IsFreeAsync(DateTimeOffset from, DateTimeOffset to, VehicleStatus fleetStatus);

    /// <summary>FLT-2: blocks the window for maintenance and answers the reservations it overlaps.</summary>
    Task<IReadOnlyList<string>> ScheduleMaintenanceAsync(string eventId, DateTimeOffset from, DateTimeOffset to);

    Task<IReadOnlyList<Timeslot>> GetTimeslotsAsync();

    /// <summary>
    /// Hands a delivered vehicle to its customer (FAC, REG-2): from then on the customer may buy
    /// services for it. Handing it to the same customer again is harmless; to another is refused.
    /// </summary>
    Task AssignOwnerAsync(string customerId, string orderId, string model, TransitionCause cause);

    /// <summary>
    /// IOT-7: the status API IoT reported, from the telemetry poller. A report whose LastContact is
    /// not newer than the one held changes nothing. Reads see the latest report at once; it is
    /// written to storage only when it changed something that matters or the write-behind interval
    /// has passed, so polling the whole fleet does not cost a write per vehicle per round.
    /// </summary>
    Task RecordTelemetryAsync(Integration.IotVehicleStatus status);
}

[GenerateSerializer, Alias("caas.vehicle-status")]
public enum VehicleStatus
{
    Unknown = 0,
    Available = 1,
    InUse = 2,
    Maintenance = 3,
    OutOfService = 4,
}

[GenerateSerializer, Immutable, Alias("caas.vehicle-status-report")]
public sealed record VehicleStatusReport(
    [property: Id(0)] VehicleStatus Status,
    [property: Id(1)] DateTimeOffset OccurredAt,
    [property: Id(2)] TransitionCause Cause,
    [property: Id(3)] string? Model = null,
    [property: Id(4)] string? Category = null);

[GenerateSerializer, Alias("caas.status-change-outcome")]
public enum StatusChangeOutcome
{
    Applied = 0,
    Unchanged = 1,
    Stale = 2,
}

[GenerateSerializer, Immutable, Alias("caas.vehicle-snapshot")]
public sealed record VehicleSnapshot(
    [property: Id(0)] string Vin,
    [property: Id(1)] string? Model,
    [property: Id(2)] string? Category,
    [property: Id(3)] VehicleStatus Status,
    [property: Id(4)] DateTimeOffset? StatusReportedAt,
    [property: Id(5)] IReadOnlyList<TransitionRecord> History,
    [property: Id(6)] string? OwnerId = null,
    [property: Id(7)] Integration.VehicleTelemetry? Telemetry = null,
    [property: Id(8)] DateTimeOffset? LastContact = null);

[GenerateSerializer, Alias("caas.vehicle-state")]
public sealed class VehicleState
{
    [Id(0)] public string Vin { get; set; } = "";
    [Id(1)] public string? Model { get; set; }
    [Id(2)] public string? Category { get; set; }
    [Id(3)] public VehicleStatus Status { get; set; }
    [Id(4)] public DateTimeOffset? StatusReportedAt { get; set; }
    [Id(5)] public List<TransitionRecord> History { get; set; } = [];
    [Id(6)] public List<Timeslot> Timeslots { get; set; } = [];
    /// <summary>The customer a factory order delivered this vehicle to; null for fleet vehicles.</summary>
    [Id(7)] public string? OwnerId { get; set; }
    /// <summary>The telemetry as last written to storage; a newer report may be held in memory only (IOT-7).</summary>
    [Id(8)] public Integration.VehicleTelemetry? Telemetry { get; set; }
    [Id(9)] public DateTimeOffset? LastContact { get; set; }
    /// <summary>When telemetry was last written, by our clock: the write-behind interval counts from here.</summary>
    [Id(10)] public DateTimeOffset? TelemetryWrittenAt { get; set; }
    /// <summary>The numbering and outbox of the vehicle's status and ownership events (caas.vehicles.&lt;vin&gt;).</summary>
    [Id(11)] public Flows.FlowJournal Events { get; set; } = new();
}

/// <summary>The data of a caas.vehicles event: where the vehicle stands, never its telemetry or its owner's id.</summary>
public sealed record VehicleEventData(string Vin, VehicleStatus Status, string? Model, string? Category, bool Owned, DateTimeOffset? StatusReportedAt);
