using CaaS.Grains.Abstractions.Integration;

namespace CaaS.Grains.Telemetry;

public sealed record TelemetryThresholds(int EnergyPoints, double DistanceMeters, double OdometerKm, TimeSpan WriteBehind);

/// <summary>Why a telemetry report is written to storage; <see cref="None"/> keeps it in memory only.</summary>
public enum TelemetryWriteReason
{
    None = 0,
    FirstReport = 1,
    LockChanged = 2,
    EnergyChanged = 3,
    Moved = 4,
    OdometerChanged = 5,
    WriteBehindElapsed = 6,
}

/// <summary>
/// IOT-7: when a polled status is worth a storage write. Storage writes are the budget the whole
/// fleet shares (platform-notes: about 4k/s), and a parked vehicle reports the same values every
/// round; so a report is written only when it differs from the written one in a way someone acts
/// on, or when the written one has grown old. Plain code, so it is tested without Orleans.
/// </summary>
public static class TelemetryRules
{
    private const double EarthRadiusMeters = 6_371_000;

    /// <summary>A report is news only when its vehicle spoke to API IoT later than in the one held.</summary>
    public static bool IsNewer(DateTimeOffset? held, DateTimeOffset reported) => held is not { } last || reported > last;

    /// <param name="written">The telemetry storage holds; null when none was ever written.</param>
    /// <param name="writtenAt">When it was written, by our clock.</param>
    public static TelemetryWriteReason WriteReason(VehicleTelemetry? written, DateTimeOffset? writtenAt, VehicleTelemetry reported,
        DateTimeOffset now, TelemetryThresholds thresholds)
    {
        if (written is null)
        {
            return TelemetryWriteReason.FirstReport;
        }

        if (written.Locked != reported.Locked)
        {
            return TelemetryWriteReason.LockChanged;
        }

        if (Math.Abs(reported.EnergyPercent - written.EnergyPercent) >= thresholds.EnergyPoints)
        {
            return TelemetryWriteReason.EnergyChanged;
        }

        if (DistanceMeters(written.Latitude, written.Longitude, reported.Latitude, reported.Longitude) >= thresholds.DistanceMeters)
        {
            return TelemetryWriteReason.Moved;
        }

        // Absolute: an odometer corrected downwards is a change worth keeping too.
        if (Math.Abs(reported.OdometerKm - written.OdometerKm) >= thresholds.OdometerKm)
        {
            return TelemetryWriteReason.OdometerChanged;
        }

        return writtenAt is not { } at || now - at >= thresholds.WriteBehind
            ? TelemetryWriteReason.WriteBehindElapsed
            : TelemetryWriteReason.None;
    }

    /// <summary>Great-circle distance (haversine); at the few hundred metres that matter here its error is negligible.</summary>
    public static double DistanceMeters(double fromLatitude, double fromLongitude, double toLatitude, double toLongitude)
    {
        var dLatitude = Radians(toLatitude - fromLatitude);
        var dLongitude = Radians(toLongitude - fromLongitude);
        var a = (Math.Sin(dLatitude / 2) * Math.Sin(dLatitude / 2))
            + (Math.Cos(Radians(fromLatitude)) * Math.Cos(Radians(toLatitude)) * Math.Sin(dLongitude / 2) * Math.Sin(dLongitude / 2));
        return EarthRadiusMeters * 2 * Math.Atan2(Math.Sqrt(a), Math.Sqrt(1 - a));
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;
}
