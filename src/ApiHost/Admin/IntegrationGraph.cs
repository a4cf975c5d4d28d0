using CaaS.Grains.Abstractions.Integration;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

/// <summary>The external systems as the silos see them: breaker states (RES-2) and the IoT queue (IOT-5). Reads only.</summary>
internal static class IntegrationGraph
{
    public static void AddIntegrationQueries(this ObjectGraphType query) =>
        query.Field<NonNullGraphType<IntegrationHealthType>>("integrationHealth")
            .Description("RES-2, IOT-5: every active silo's circuit breakers and IoT command queue, as each silo holds them now (they are silo memory, not shared).")
            .ResolveAsync(async context => new IntegrationHealth(await context.Grains().GetGrain<IIntegrationHealthGrain>(0).ReadAsync()));
}

public sealed record IntegrationHealth(IReadOnlyList<SiloIntegrationHealth> Silos);

public sealed class IntegrationHealthType : ObjectGraphType<IntegrationHealth>
{
    public IntegrationHealthType()
    {
        Name = "IntegrationHealth";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SiloIntegrationType>>>>("silos").Resolve(context => context.Source.Silos);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("openBreakers")
            .Description("The systems whose breaker is not closed on at least one silo.")
            .Resolve(context => context.Source.Silos.SelectMany(silo => silo.Breakers).Where(breaker => breaker.State != "Closed")
                .Select(breaker => breaker.System).Distinct().Order(StringComparer.Ordinal));
        Field<NonNullGraphType<IntGraphType>>("iotQueueDepth").Description("IoT commands waiting on all silos together.")
            .Resolve(context => context.Source.Silos.Sum(silo => silo.IotQueueDepth));
    }
}

public sealed class SiloIntegrationType : ObjectGraphType<SiloIntegrationHealth>
{
    public SiloIntegrationType()
    {
        Name = "SiloIntegration";
        Field(silo => silo.Silo);
        Field(silo => silo.ReadAt);
        Field(silo => silo.IotQueueDepth);
        Field(silo => silo.IotQueueCapacity);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<BreakerType>>>>("breakers").Resolve(context => context.Source.Breakers);
    }
}

public sealed class BreakerType : ObjectGraphType<BreakerReading>
{
    public BreakerType()
    {
        Name = "Breaker";
        Description = "One system's circuit breaker on one silo; iot-poll is the IoT status poller's own budget, apart from the IoT command breaker.";
        Field(breaker => breaker.System);
        Field(breaker => breaker.State).Description("Closed, Open or HalfOpen.");
        Field(breaker => breaker.FailureThreshold).Description("RES-2's failures within the window, for the cluster.");
        Field(breaker => breaker.SiloThreshold).Description("This silo's share of failureThreshold.");
        Field<NonNullGraphType<IntGraphType>>("windowSeconds").Resolve(context => (int)context.Source.Window.TotalSeconds);
        Field<NonNullGraphType<IntGraphType>>("breakSeconds").Resolve(context => (int)context.Source.BreakDuration.TotalSeconds);
        Field<IntGraphType>("retryAfterSeconds").Description("While not closed: seconds until a request may go again.")
            .Resolve(context => context.Source.RetryAfter is { } left ? (int)Math.Ceiling(left.TotalSeconds) : null);
    }
}
