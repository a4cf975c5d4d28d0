using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Rentals;

/// <summary>The business's rental rules, from configuration section "Rentals".</summary>
public sealed class RentalOptions
{
    public const string Section = "Rentals";

    public string Currency { get; set; } = "EUR";

    /// <summary>Price per started hour, in minor units, by vehicle category.</summary>
    public Dictionary<string, long> HourlyRate { get; set; } = new(StringComparer.OrdinalIgnoreCase) { ["car"] = 1_200, ["van"] = 1_800 };

    /// <summary>Authorised on top of the price so that fines can be captured (PAY-2).</summary>
    public long FineReserve { get; set; } = 5_000;

    public TimeSpan MinimumDuration { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan MaximumDuration { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How far ahead a reservation may start.</summary>
    public TimeSpan BookingHorizon { get; set; } = TimeSpan.FromDays(180);

    /// <summary>Cancelling at least this long before the start costs nothing (PAY-3).</summary>
    public TimeSpan FreeCancellationBefore { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Share of the price kept when cancelling later than that.</summary>
    public int LateCancellationFeePercent { get; set; } = 20;

    /// <summary>The renter may unlock this long before the start.</summary>
    public TimeSpan UnlockEarly { get; set; } = VehicleAudience.DefaultUnlockEarly;

    public long LateReturnFinePerHour { get; set; } = 2_500;

    public int LowEnergyPercent { get; set; } = 10;

    public long LowEnergyFine { get; set; } = 3_000;

    public double MaximumOdometerKm { get; set; } = 2_000_000;

    /// <summary>
    /// MOB-7: the report the vehicle grain holds (from the poller, IOT-7) is stale when the car's last
    /// contact in it is older than this at the return; API IoT is then asked at once. Short, since the
    /// car was driven until moments ago and the poller asks only once a minute.
    /// </summary>
    public TimeSpan ReturnTelemetryStaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// MOB-7: the vehicle witnesses its return only if it was in contact with API IoT at most this long
    /// before it; a car silent longer (asleep, out of coverage, API IoT down) leaves the return to ops.
    /// </summary>
    public TimeSpan ReturnContactWithin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A claimed energy further than this from the vehicle's own is noted as contradicting it (the vehicle's counts).</summary>
    public int ClaimEnergyTolerancePoints { get; set; } = 5;

    public double ClaimOdometerToleranceKm { get; set; } = 5;

    public double ClaimPositionToleranceMeters { get; set; } = 500;

    /// <summary>
    /// IOT-9: how long a returned rental waits for the car to confirm the LOCK sent at return (it may
    /// wait in the IoT queue while the breaker is open). Past it the rental completes anyway and ops
    /// are alerted to check the car.
    /// </summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a rental waiting for its LOCK asks API IoT about it.</summary>
    public TimeSpan LockPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public List<ReturnZone> ReturnZones { get; set; } = [new ReturnZone { Name = "Madrid", Latitude = 40.4168, Longitude = -3.7038, RadiusKm = 15 }];

    /// <summary>
    /// A creation that has not finished by then (a crash, a lost client) is abandoned and undone. Longer
    /// than the payment row's worst case (2 × 30 s), so an authorisation still in flight when the silo
    /// died has reached Stripe before the void looks for it.
    /// </summary>
    public TimeSpan AbandonCreationAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the guard reminder retries what a reservation still owes (a void, a capture, a notification).</summary>
    public TimeSpan GuardPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>PAY-11: final captures tried when Stripe refuses one, before ops are handed the rental (capture-failed/{id}).</summary>
    public int CaptureRetries { get; set; } = 5;

    /// <summary>PAY-11: the wait after the first refused capture; each later one waits twice as long.</summary>
    public TimeSpan CaptureRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>PAY-4: new charges tried after a payment failed, before a support ticket.</summary>
    public int FailedPaymentRetries { get; set; } = 2;

    public int MinimumCreditScore { get; set; } = 600;

    /// <summary>PAY-10: a booking whose end lies beyond what a hold placed now lasts is authorised off-session this long before its start.</summary>
    public TimeSpan AuthorizeBefore { get; set; } = TimeSpan.FromHours(24);

    /// <summary>PAY-10: a payment still waiting for the customer's authentication this long before the start is given up: the booking is cancelled without fee.</summary>
    public TimeSpan AuthorizeGiveUpBefore { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long the customer has to authenticate at least, when the start is nearer than <see cref="AuthorizeGiveUpBefore"/>.</summary>
    public TimeSpan AuthenticationWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// What a hold is expected to last, only to plan whether to hold at once: customer-initiated 7 days,
    /// merchant-initiated (Visa) 5 (docs.stripe.com/payments/place-a-hold-on-a-payment-method). What the
    /// hold really lasts is the capture_before Stripe reports, and that is what renewals follow.
    /// </summary>
    public TimeSpan ExpectedHoldValidity { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan ExpectedOffSessionHoldValidity { get; set; } = TimeSpan.FromDays(5);

    /// <summary>A hold must outlive the rental's end by this much: a late return, a verification by ops.</summary>
    public TimeSpan HoldMargin { get; set; } = TimeSpan.FromHours(12);

    /// <summary>A hold that would lapse before the end (plus margin) is replaced this long before its capture_before.</summary>
    public TimeSpan RenewBefore { get; set; } = TimeSpan.FromHours(12);

    /// <summary>PAY-4: a soft decline of an off-session authorisation is tried again this much later, <see cref="FailedPaymentRetries"/> times.</summary>
    public TimeSpan AuthorizeRetryEvery { get; set; } = TimeSpan.FromHours(1);

    public Money Rate(string category) => new(HourlyRate.GetValueOrDefault(category, HourlyRate.Values.Max()), Currency);
}

public sealed class ReturnZone
{
    public string Name { get; set; } = "";

    public double Latitude { get; set; }

    public double Longitude { get; set; }

    public double RadiusKm { get; set; }

    public bool Contains(double latitude, double longitude)
    {
        const double earthRadiusKm = 6_371;
        var dLat = DegreesToRadians(latitude - Latitude);
        var dLon = DegreesToRadians(longitude - Longitude);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
            + (Math.Cos(DegreesToRadians(Latitude)) * Math.Cos(DegreesToRadians(latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return earthRadiusKm * 2 * Math.Atan2(Math.Sqrt(a), Math.Sqrt(1 - a)) <= RadiusKm;
    }

    private static double DegreesToRadians(double degrees) => degrees * Math.PI / 180;
}
