using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Orders;

namespace CaaS.Grains.Tests.Flows;

/// <summary>
/// Issue 20: a flow whose call failed past what it caught (here a state write refused, as while
/// PostgreSQL restarts) holds nothing in memory that it did not store. The soak found a rental whose
/// capture went through and whose next step failed: the activation kept the capture discharged in
/// memory, stored nothing, and sat in ReturnPending for good.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StoredFlowResetTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Issue_20_a_flow_whose_state_write_failed_answers_from_what_it_stored_not_from_what_it_held()
    {
        var order = fixture.Grains.GetGrain<IFactoryOrderGrain>("ord-reset-" + Guid.NewGuid().ToString("N")[..10]);
        var request = new PlaceFactoryOrder("cust-reset", new VehicleSpec("ID.4", "Pro", "Moonstone Grey", "DE"));

        fixture.Storage.FailWrites("factory-order");
        await Assert.ThrowsAnyAsync<Exception>(() => order.PlaceAsync(request));
        var afterFailure = await order.GetAsync();

        // Nothing was stored: the order does not exist, though the failed call had begun it in memory.
        Assert.Null(afterFailure);
    }
}
