using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Events;
using CaaS.Grains.Events;
using CaaS.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CaaS.Grains.Tests.Events;

/// <summary>Issue 14 point 1: publication rides on the writes the flow makes anyway.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OutboxPublicationTests(ClusterFixture fixture)
{
    private IEventLog Log => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IEventLog>();

    [Fact]
    public async Task Issue_14_publishing_adds_no_write_and_a_reactivation_writes_nothing_while_the_log_keeps_each_event_once()
    {
        var vin = "WVWZZZ1JZXW" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var vehicle = fixture.Grains.GetGrain<IVehicleGrain>(vin);
        var subject = EventSubjects.Vehicle.SubjectOf(vin);
        var head = await Log.HeadAsync();
        var mark = fixture.Storage.Mark();

        await vehicle.ReportStatusAsync(new VehicleStatusReport(VehicleStatus.Available, fixture.Time.GetUtcNow(), new TransitionCause("seeded", "test"), "ID.3", "car"));
        await vehicle.ReportStatusAsync(new VehicleStatusReport(VehicleStatus.Maintenance, fixture.Time.GetUtcNow().AddSeconds(1), new TransitionCause("workshop", "test"), "ID.3", "car"));

        // Two changes, two writes of the vehicle, two events: the publications wrote nothing of their own.
        Assert.Equal(2, mark.Since().Count(operation => operation.Write && operation.StateName == "vehicle"));
        var published = await EventsOfAsync(subject, head);
        Assert.Equal([$"vehicle/{vin}/1", $"vehicle/{vin}/2"], published.Select(e => e.Event.Id));
        Assert.Equal(["caas.vehicle.available", "caas.vehicle.maintenance"], published.Select(e => e.Event.Type));

        // The second publication's mark was never stored (no write came after it): the next activation
        // sends that event again, without a write, and the log's duplicate window keeps one copy.
        var beforeReactivation = fixture.Storage.Mark();
        await fixture.Cluster.DeactivateAsync(vehicle);
        await Eventually.Until(async () => (await vehicle.GetAsync())?.Status == VehicleStatus.Maintenance, "the vehicle to be active again");

        Assert.DoesNotContain(beforeReactivation.Since(), operation => operation.Write && operation.StateName == "vehicle");
        Assert.Equal(published.Select(e => e.Event.Id), (await EventsOfAsync(subject, head)).Select(e => e.Event.Id));
    }

    private async Task<IReadOnlyList<LoggedEvent>> EventsOfAsync(string subject, long after) =>
        (await Log.ReadAsync(subject, after, 100, TimeSpan.Zero)).Events;
}
