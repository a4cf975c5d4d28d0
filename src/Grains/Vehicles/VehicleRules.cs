using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Vehicles;

/// <summary>The vehicle's state machine, free of Orleans so it can be tested as plain code.</summary>
public static class VehicleRules
{
    public static StatusChangeOutcome Apply(VehicleState state, VehicleStatusReport report, DateTimeOffset now)
    {
        // Fleet events arrive at least once and out of order (FLT-3): the time the source saw the
        // change decides, never the time it reached us.
        if (state.StatusReportedAt is { } applied && report.OccurredAt < applied)
        {
            return StatusChangeOutcome.Stale;
        }

        state.Model = Shared(report.Model) ?? state.Model;
        state.Category = Shared(report.Category) ?? state.Category;
        state.StatusReportedAt = report.OccurredAt;

        if (state.Status == report.Status)
        {
            return StatusChangeOutcome.Unchanged;
        }

        TransitionHistory.Append(state.History,
            TransitionHistory.Record(now, state.Status.ToString(), report.Status.ToString(), report.Cause));
        state.Status = report.Status;
        return StatusChangeOutcome.Applied;
    }

    /// <summary>
    /// A fleet has a handful of models and categories and a silo holds a quarter of a million
    /// vehicles (issue 18 point 5): each keeps the one shared copy instead of its own.
    /// </summary>
    public static string? Shared(string? text) => text is null ? null : string.Intern(text);

    /// <summary>The platform's own status decides; Fleet Management's answers while we have none (FLT-4).</summary>
    public static bool IsRentable(VehicleState state, VehicleStatus fleetStatus) =>
        (state.Status == VehicleStatus.Unknown ? fleetStatus : state.Status) is VehicleStatus.Available or VehicleStatus.InUse;

    public static VehicleSnapshot ToSnapshot(this VehicleState state) =>
        new(state.Vin, state.Model, state.Category, state.Status, state.StatusReportedAt, [.. state.History], state.OwnerId,
            state.Telemetry, state.LastContact);
}
