using Microsoft.Extensions.DependencyInjection;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Analytics;
using CaaS.Grains.Analytics;
using CaaS.Grains.Flows;
using CaaS.Grains.Integration;
using CaaS.Grains.Operations;
using CaaS.Grains.Orders;
using CaaS.Grains.Rentals;
using CaaS.Grains.Services;
using CaaS.Grains.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CaaS.Grains;

public static class GrainServices
{
    /// <summary>
    /// What the grains need from the silo's container, whatever the silo runs on. The silo host and
    /// the test clusters both call this, so a test runs the same wiring as production.
    /// </summary>
    public static ISiloBuilder AddCaaSGrains(this ISiloBuilder silo)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        // RES-2's thresholds are the cluster's: each silo's breakers take their share by the silo count.
        silo.Services.TryAddSingleton<IClusterSize, ClusterMembershipSize>();
        silo.Services.AddCaaSIntegrations();
        silo.Services.AddOptions<RentalOptions>().BindConfiguration(RentalOptions.Section);
        silo.Services.AddOptions<AnalyticsOptions>().BindConfiguration(AnalyticsOptions.Section)
            .Validate(analytics => analytics.PseudonymKey?.Trim().Length >= AnalyticsOptions.MinimumPseudonymKeyLength,
                $"Analytics:PseudonymKey must be set, at least {AnalyticsOptions.MinimumPseudonymKeyLength} characters: customer pseudonyms are keyed with it.")
            .ValidateOnStart();
        silo.Services.AddOptions<OrderOptions>().BindConfiguration(OrderOptions.Section);
        silo.Services.AddOptions<ServiceOptions>().BindConfiguration(ServiceOptions.Section);
        silo.Services.AddOptions<OtaOptions>().BindConfiguration(OtaOptions.Section);
        silo.Services.AddOptions<OperationsOptions>().BindConfiguration(OperationsOptions.Section);
        silo.Services.AddOptions<FlowOptions>().BindConfiguration(FlowOptions.Section)
            .Validate(flows => flows.OutboxLimit > 0, "Flows:OutboxLimit must be at least 1.").ValidateOnStart();
        silo.AddIncomingGrainCallFilter<StoredFlowReset>();
        silo.AddCaaSEvents();
        silo.AddStandingStartupTask("the nightly export's reminder", services => services.GetRequiredService<IGrainFactory>().GetGrain<IBookingExportGrain>(0).EnsureScheduledAsync());
        silo.Services.AddOptions<Fleet.FleetCatalogOptions>().BindConfiguration(Fleet.FleetCatalogOptions.Section);
        silo.Services.AddOptions<StripeRecoveryOptions>().BindConfiguration(StripeRecoveryOptions.Section);
        silo.Services.AddOptions<WebhookRetentionOptions>().BindConfiguration(WebhookRetentionOptions.Section)
            .Validate(retention => retention.BodyRetention > TimeSpan.Zero, "Webhooks:BodyRetention must be positive.")
            .Validate(retention => retention.RetentionSweepEvery > TimeSpan.Zero, "Webhooks:RetentionSweepEvery must be positive.").ValidateOnStart();
        silo.AddStandingStartupTask("the webhook retention sweep's reminder", services => services.GetRequiredService<IGrainFactory>().GetGrain<IWebhookRetentionSweepGrain>(0).EnsureScheduledAsync());
        silo.AddStandingStartupTask("the Stripe event recovery's reminder", services => services.GetRequiredService<IGrainFactory>().GetGrain<IStripeEventRecoveryGrain>(0).EnsureScheduledAsync());
        silo.AddTelemetryPolling();
        return silo;
    }

    /// <summary>
    /// Issue 14: the flows' outboxes go to the event log (JetStream when Events:Nats:Url is set, the
    /// silo's memory otherwise), and the read models are the log's consumers (ANA-2, ADM-1, ADM-4).
    /// </summary>
    private static ISiloBuilder AddCaaSEvents(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<Events.EventsOptions>().BindConfiguration(Events.EventsOptions.Section)
            .Validate(events => events.ConsumerBatch > 0, "Events:ConsumerBatch must be at least 1.")
            .Validate(events => events.SweepEvery >= TimeSpan.FromSeconds(1), "Events:SweepEvery must be at least a second.")
            .ValidateOnStart();
        silo.Services.TryAddSingleton<Events.IEventLog>(services =>
            services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Events.EventsOptions>>().CurrentValue.Nats.Enabled
                ? ActivatorUtilities.CreateInstance<Events.JetStreamEventLog>(services)
                : ActivatorUtilities.CreateInstance<Events.InProcessEventLog>(services));
        silo.Services.TryAddSingleton<Events.IRecentlyWrittenFlows, Events.NoWrittenFlows>();
        silo.Services.TryAddSingleton<Analytics.IBookingDayRows, Analytics.InMemoryBookingDayRows>();
        silo.Services.TryAddSingleton<Operations.IFlowIndexRows, Operations.InMemoryFlowIndexRows>();
        silo.Services.TryAddSingleton<Operations.IRevenueDayRows, Operations.InMemoryRevenueDayRows>();
        silo.Services.AddHostedService<Events.FleetEventsConsumer>();
        silo.Services.AddSingleton<Events.ReadModelFeed, Events.FlowIndexFeed>();
        silo.Services.AddSingleton<Events.ReadModelFeed, Events.RevenueFeed>();
        silo.Services.AddSingleton<Events.ReadModelFeed, Events.BookingDaysFeed>();
        silo.AddStandingStartupTask("the event log's readers and sweep", async services =>
        {
            var grains = services.GetRequiredService<IGrainFactory>();
            foreach (var feed in services.GetServices<Events.ReadModelFeed>())
            {
                await grains.GetGrain<Abstractions.Events.IEventConsumerGrain>(feed.Name).EnsureRunningAsync();
            }

            await grains.GetGrain<Abstractions.Events.IOutboxSweepGrain>(0).EnsureScheduledAsync();
        });
        return silo;
    }
}
