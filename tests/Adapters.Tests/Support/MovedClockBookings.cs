using System.Text.Json;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Flows;
using CaaS.Grains.Rentals;

namespace CaaS.Adapters.Tests.Support;

/// <summary>
/// Bookings in an in-process cluster whose clock the test moves, against the sandbox's Stripe, whose
/// money clock is moved with it; the guard reminder's ticks are delivered at the times it was set for.
/// </summary>
public sealed class MovedClockBookings(SandboxClusterFixture fixture)
{
    private static readonly RentalOptions Rules = new();

    private SandboxFixture Sandbox => fixture.Sandbox;

    /// <summary>
    /// The cluster's first calls to Customer Management and Stripe, in real time: a cold start must not
    /// spend a timeout that the moving test clock would let fire at once.
    /// </summary>
    public async Task WarmUpAsync()
    {
        await fixture.Grains.GetGrain<Grains.Abstractions.Integration.ICustomerAdapterGrain>(0).GetCustomerAsync(NewCustomer());
        await fixture.Grains.GetGrain<Grains.Abstractions.Integration.IPaymentAdapterGrain>(0).CreateCustomerAsync(NewCustomer(), "warm-up/" + NewCustomer());
    }

    public async Task<ReservationView> ReserveAsync(string id, string customer, int vehicle, DateTimeOffset startsAt, DateTimeOffset endsAt, string card)
    {
        // The customer's verification first, in real time: asked while the test drives the clock, Customer
        // Management's answer could come after a timeout the moved clock let fire at once.
        await fixture.Grains.GetGrain<Grains.Abstractions.ICustomerGrain>(customer).GetStatusAsync();
        return await fixture.DriveAsync(fixture.Grains.GetGrain<IReservationGrain>(id)
            .CreateAsync(new CreateReservation(customer, await VehicleAsync(vehicle), startsAt, endsAt, card)));
    }

    /// <summary>The platform's clock and Stripe's money clock, both moved to the same moment.</summary>
    public async Task MoveToAsync(DateTimeOffset at)
    {
        var by = at - fixture.Time.GetUtcNow();
        var clock = await Sandbox.GetAsync("/sandbox/clock");
        var moneyNow = clock.GetProperty("now").GetDateTimeOffset();
        fixture.Time.Advance(by);
        var behind = fixture.Time.GetUtcNow() - moneyNow;
        await Sandbox.PostAsync("/sandbox/clock", new { advanceBy = (behind > TimeSpan.Zero ? behind : TimeSpan.Zero).ToString("c", System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>The guard reminder's tick, as the reminder service delivers it once due.</summary>
    public async Task<ReservationView> TickAsync(string id)
    {
        var now = fixture.Time.GetUtcNow().UtcDateTime;
        var reservation = fixture.Grains.GetGrain<IReservationGrain>(id);
        var tick = reservation.AsReference<IRemindable>().ReceiveReminder(FlowGuard.Reminder, new TickStatus(now, Rules.GuardPeriod, now));
        // Real calls to the sandbox under a clock that only the test moves: small steps until the tick is done.
        for (var steps = 0; !tick.IsCompleted && steps < 2_000; steps++)
        {
            await Task.Delay(5);
            fixture.Time.Advance(TimeSpan.FromMilliseconds(250));
        }

        await tick;
        return (await reservation.InspectAsync())!;
    }

    public async Task<ReminderEntry> GuardAsync(string id)
    {
        var reminders = fixture.SiloService<IReminderTable>();
        var rows = await reminders.ReadRows(fixture.Grains.GetGrain<IReservationGrain>(id).GetGrainId());
        return Assert.Single(rows.Reminders, row => row.ReminderName == FlowGuard.Reminder);
    }

    public async Task<string> VehicleAsync(int index)
    {
        var fleet = await Sandbox.GetAsync("/sandbox/fleet/vehicles");
        // Vehicles the other tests of this cluster do not book.
        return fleet.EnumerateArray().Where(item => !item.GetProperty("maintenanceOverdue").GetBoolean()).Reverse().ElementAt(index).GetProperty("vehicleId").GetString()!;
    }

    public async Task<List<JsonElement>> IntentsAsync(string reservationId) =>
        [.. (await Sandbox.GetAsync($"/sandbox/stripe/payment_intents?metadata[reservationId]={reservationId}")).EnumerateArray()];

    public async Task<List<JsonElement>> SetupsAsync(string reservationId) =>
        [.. (await Sandbox.GetAsync($"/sandbox/stripe/setup_intents?metadata[reservationId]={reservationId}")).EnumerateArray()];

    public async Task<List<JsonElement>> NotificationsAsync(string to) =>
        [.. (await Sandbox.GetAsync($"/sandbox/notifications?to={to}")).EnumerateArray()];

    public static string NewId() => "res-holds-" + Guid.NewGuid().ToString("N")[..10];

    public static string NewCustomer() => "cust-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A start off the hour, so a rental's window is its own even where tests share a vehicle across runs of the cluster.</summary>
    public static int Minutes() => Random.Shared.Next(1, 59);
}
