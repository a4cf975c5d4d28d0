using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Customer;
using CaaS.Grains.Integration.Factory;
using CaaS.Grains.Integration.Fleet;
using CaaS.Grains.Integration.Http;
using CaaS.Grains.Integration.Iot;
using CaaS.Grains.Integration.Notifications;
using CaaS.Grains.Integration.Payments;
using CaaS.Grains.Integration.Registration;
using CaaS.Grains.Integration.Vss;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CaaS.Grains.Integration;

public static class IntegrationServices
{
    /// <summary>
    /// Registers one typed HttpClient per external system, each behind its row of the resilience
    /// matrix: [retry (RES) → attempt timeout] → breaker (RES-2) → credentials → telemetry (OBS) → wire.
    /// </summary>
    public static IServiceCollection AddCaaSIntegrations(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<IClusterSize, SingleProcess>();
        services.AddOptions<IotResilienceOptions>().BindConfiguration(IotResilienceOptions.Section)
            .Validate(settings => settings.IsValid(),
                $"{IotResilienceOptions.Section}: windows and durations must be positive, SystemFailureShare in (0, 1], PollFailureThreshold, DrainRatePerSecond and QueueCapacity at least 1.")
            .ValidateOnStart();
        services.TryAddSingleton(provider => new CircuitBreakers(provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<IotResilienceOptions>>().Value.PollBreaker, provider.GetRequiredService<IClusterSize>()));
        services.TryAddSingleton<IotFailureJudge>();
        services.TryAddSingleton<IotCommandQueue>();
        services.TryAddSingleton<IntegrationMetrics>();
        services.AddHostedService<IntegrationMetricsAtStartup>();
        services.TryAddSingleton<VssTokenProvider>();
        services.TryAddSingleton<StripePaymentClient>();
        services.TryAddSingleton<IotDispatcher>();
        services.AddHostedService<IotQueueDrainer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IntegrationOptions>, IntegrationUrlValidator>());
        foreach (var system in ExternalSystem.All)
        {
            services.AddOptions<IntegrationOptions>(system).BindConfiguration(IntegrationOptions.SectionFor(system)).ValidateOnStart();
        }

        services.AddHttpClient<CustomerClient>(ExternalSystem.Customer).AddIntegrationPipeline(ExternalSystem.Customer).WithApiKey();
        services.AddHttpClient<FleetClient>(ExternalSystem.Fleet).AddIntegrationPipeline(ExternalSystem.Fleet).WithApiKey();
        services.AddHttpClient<FactoryClient>(ExternalSystem.Factory).AddIntegrationPipeline(ExternalSystem.Factory).WithApiKey()
            .ConfigurePrimaryHttpMessageHandler(provider => FactoryHandler(provider.GetRequiredService<IOptionsMonitor<IntegrationOptions>>()));
        services.AddHttpClient<RegistrationClient>(ExternalSystem.Registration).AddIntegrationPipeline(ExternalSystem.Registration).WithApiKey();
        services.AddHttpClient<NotificationClient>(ExternalSystem.Notifications).AddIntegrationPipeline(ExternalSystem.Notifications).WithApiKey();
        services.AddHttpClient<IotClient>(ExternalSystem.Iot).AddIntegrationPipeline(ExternalSystem.Iot, provider =>
            new IotSigningHandler(provider.GetRequiredService<IOptionsMonitor<IntegrationOptions>>(), provider.GetRequiredService<TimeProvider>()),
            breaker: provider => new IotBreakerHandler(provider.GetRequiredService<CircuitBreakers>(), provider.GetRequiredService<IotFailureJudge>()));
        services.AddHttpClient<VssClient>(ExternalSystem.Vss).AddIntegrationPipeline(ExternalSystem.Vss, provider =>
            new VssBearerHandler(provider.GetRequiredService<VssTokenProvider>()));
        // The token request runs inside a VSS attempt that already holds the breaker (maybe as its
        // half-open probe), so it must not ask the breaker again.
        services.AddHttpClient(VssTokenProvider.TokenClient).AddIntegrationPipeline(ExternalSystem.Vss, withBreaker: false);
        services.AddHttpClient(ExternalSystem.Stripe).AddIntegrationPipeline(ExternalSystem.Stripe);
        return services;
    }

    private static IHttpClientBuilder AddIntegrationPipeline(this IHttpClientBuilder builder, string system,
        Func<IServiceProvider, DelegatingHandler>? credentials = null, bool withBreaker = true,
        Func<IServiceProvider, DelegatingHandler>? breaker = null)
    {
        var policy = ResilienceMatrix.For(system);
        builder.ConfigureHttpClient((provider, client) =>
        {
            var baseUrl = provider.GetRequiredService<IOptionsMonitor<IntegrationOptions>>().Get(system).BaseUrl.ToString();
            client.BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/");
            // The pipeline's attempt timeout is the one that counts; HttpClient's own 100 s would only hide it.
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        builder.AddResilienceHandler($"{system}-matrix", (pipeline, context) =>
        {
            var metrics = context.ServiceProvider.GetRequiredService<IntegrationMetrics>();
            if (policy.Retries > 0)
            {
                pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = policy.Retries,
                    Delay = policy.RetryDelay,
                    BackoffType = policy.Backoff == Backoff.Exponential ? DelayBackoffType.Exponential : DelayBackoffType.Constant,
                    UseJitter = false,
                    ShouldHandle = arguments => ValueTask.FromResult(
                        ShouldRetry(policy.RetryOn, arguments.Outcome, arguments.Context.GetRequestMessage())),
                    OnRetry = arguments =>
                    {
                        metrics.RecordRetry(system, OutcomeOf(arguments.Outcome));
                        return ValueTask.CompletedTask;
                    },
                });
            }

            pipeline.AddTimeout(policy.AttemptTimeout);
        });
        if (withBreaker && policy.Breaker is not null)
        {
            builder.AddHttpMessageHandler(breaker ?? (provider => new CircuitBreakerHandler(provider.GetRequiredService<CircuitBreakers>().For(system)!)));
        }

        if (credentials is not null)
        {
            builder.AddHttpMessageHandler(credentials);
        }

        builder.AddHttpMessageHandler(provider =>
            new IntegrationTelemetryHandler(system, provider.GetRequiredService<IntegrationMetrics>(), provider.GetRequiredService<TimeProvider>()));
        return builder;
    }

    private static IHttpClientBuilder WithApiKey(this IHttpClientBuilder builder) =>
        builder.ConfigureHttpClient((provider, client) =>
        {
            var settings = provider.GetRequiredService<IOptionsMonitor<IntegrationOptions>>().Get(builder.Name);
            client.DefaultRequestHeaders.Add(IntegrationHeaders.ApiKey, settings.Require(settings.ApiKey, nameof(settings.ApiKey), builder.Name));
        });

    /// <summary>
    /// RES: a retry answers only a failure the matrix names, and never re-sends a POST that carries
    /// no idempotency key (the system might have acted on the first one), nor a request an open
    /// breaker refused.
    /// </summary>
    public static bool ShouldRetry(RetryOn retryOn, Outcome<HttpResponseMessage> outcome, HttpRequestMessage? request)
    {
        if (request is null || !IsSafeToRepeat(request) || outcome.Exception is CircuitOpenException)
        {
            return false;
        }

        if (Failures.IsNetworkError(outcome.Exception))
        {
            return true;
        }

        return retryOn == RetryOn.TransientFailures && outcome.Result is { } response && Failures.IsSystemFailure(response.StatusCode);
    }

    private static string OutcomeOf(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Result: { } response } => OutcomeClass.Of((int)response.StatusCode, timedOut: false),
        { Exception: TimeoutRejectedException or OperationCanceledException } => OutcomeClass.Timeout,
        _ => OutcomeClass.NetworkError,
    };

    private static bool IsSafeToRepeat(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Headers.Contains(IntegrationHeaders.IdempotencyKey);

    /// <summary>
    /// FAC-6: mutual TLS when a client certificate is configured; the API key is always sent. The
    /// certificate is handed to TLS as a context, not offered for selection, so it is presented even
    /// when the server names no acceptable issuers; a private server CA replaces the machine's store
    /// for this one system, with the host name still checked.
    /// </summary>
    private static HttpMessageHandler FactoryHandler(IOptionsMonitor<IntegrationOptions> options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var settings = options.Get(ExternalSystem.Factory);
        if (!string.IsNullOrWhiteSpace(settings.ClientCertificatePath))
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(settings.ClientCertificatePath, settings.ClientCertificatePassword);
            if (!certificate.HasPrivateKey)
            {
                throw new InvalidOperationException(
                    $"{IntegrationOptions.SectionFor(ExternalSystem.Factory)}:ClientCertificatePath holds no private key: TLS cannot present it.");
            }

            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        }

        if (!string.IsNullOrWhiteSpace(settings.ServerCaPath))
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(settings.ServerCaPath);
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // As SslStream does without a policy: a private CA rarely publishes a revocation list.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(roots);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        return handler;
    }
}
