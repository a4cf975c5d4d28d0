using System.Net;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;
using Microsoft.Extensions.Options;
using Stripe;
using PaymentRecord = CaaS.Grains.Abstractions.Integration.PaymentRecord;
using PaymentStatus = CaaS.Grains.Abstractions.Integration.PaymentStatus;

namespace CaaS.Grains.Integration.Payments;

/// <summary>
/// Stripe through Stripe.net, over the "stripe" HttpClient so the payment row of the matrix (30 s,
/// one immediate retry on a network error, no breaker) and the telemetry apply. Stripe.net's own
/// retries are off: one pipeline decides. Every call carries the caller's idempotency key.
/// </summary>
public sealed partial class StripePaymentClient(IHttpClientFactory httpClients, IOptionsMonitor<IntegrationOptions> options)
{
    private const string Manual = "manual";

    private const string IfAvailable = "if_available";

    /// <summary>
    /// How long one StripeClient serves: HttpClientFactory's default handler lifetime, so connections
    /// still move to fresh handlers (and DNS) as often as before. A client per call costs a new user
    /// agent string built by reflection and a new requestor each time: about 5% of the silo's CPU
    /// while creating reservations, as profiled.
    /// </summary>
    private static readonly TimeSpan ClientReuse = TimeSpan.FromMinutes(2);

    private const int EventPageSize = 100;

    private CachedClient? _client;

    /// <summary>
    /// The latest charge comes expanded on every answer about an intent: its
    /// <c>payment_method_details.card.capture_before</c> is the only statement of how long a hold lasts
    /// (PAY-10; docs.stripe.com/payments/place-a-hold-on-a-payment-method), never assumed.
    /// </summary>
    private static readonly List<string> WithCharge = ["latest_charge"];

    public async Task<PaymentRecord> AuthorizeAsync(AuthorizePayment command, CancellationToken cancellationToken = default)
    {
        var create = new PaymentIntentCreateOptions
        {
            Amount = command.Amount.Amount,
            Currency = command.Amount.Currency.ToLowerInvariant(),
            CaptureMethod = Manual,
            Confirm = true,
            PaymentMethod = command.PaymentMethodId,
            Customer = command.StripeCustomerId,
            Description = command.Description,
            Metadata = new Dictionary<string, string>(command.Metadata) { ["customerId"] = command.CustomerId },
            Expand = WithCharge,
        };
        switch (command.Session)
        {
            case PaymentSession.OnSessionSavingCard:
                create.SetupFutureUsage = "off_session";
                break;
            case PaymentSession.OffSession:
                create.OffSession = true;
                break;
        }

        if (command.RequestExtendedAuthorization || command.RequestIncrementalAuthorization)
        {
            create.PaymentMethodOptions = new PaymentIntentPaymentMethodOptionsOptions
            {
                Card = new PaymentIntentPaymentMethodOptionsCardOptions
                {
                    RequestExtendedAuthorization = command.RequestExtendedAuthorization ? IfAvailable : null,
                    RequestIncrementalAuthorization = command.RequestIncrementalAuthorization ? IfAvailable : null,
                },
            };
        }

        try
        {
            return ToRecord(await CallAsync(stripe => stripe.V1.PaymentIntents.CreateAsync(create, Idempotent(command.IdempotencyKey), cancellationToken),
                keepAuthenticationDecline: true));
        }
        catch (AuthenticationDeclined declined)
        {
            // Off-session, the bank wants the customer: not a refusal of the card, and not a hold either.
            return ToRecord(declined.Intent) with { Status = PaymentStatus.RequiresAuthentication };
        }
    }

    /// <summary>POST /v1/payment_intents/{id}/increment_authorization: <paramref name="amount"/> is the new total (docs.stripe.com/payments/incremental-authorization).</summary>
    public async Task<PaymentRecord> IncrementAuthorizationAsync(string paymentIntentId, Money amount, string idempotencyKey, CancellationToken cancellationToken = default) =>
        ToRecord(await CallAsync(stripe => stripe.V1.PaymentIntents.IncrementAuthorizationAsync(paymentIntentId,
            new PaymentIntentIncrementAuthorizationOptions { Amount = amount.Amount, Expand = WithCharge }, Idempotent(idempotencyKey), cancellationToken)));

    public async Task<PaymentRecord> CaptureAsync(string paymentIntentId, Money amount, string idempotencyKey, CancellationToken cancellationToken = default) =>
        ToRecord(await CallAsync(stripe => stripe.V1.PaymentIntents.CaptureAsync(paymentIntentId,
            new PaymentIntentCaptureOptions { AmountToCapture = amount.Amount, Expand = WithCharge }, Idempotent(idempotencyKey), cancellationToken)));

    public async Task<PaymentRecord> CancelAsync(string paymentIntentId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        ToRecord(await CallAsync(stripe => stripe.V1.PaymentIntents.CancelAsync(paymentIntentId,
            new PaymentIntentCancelOptions(), Idempotent(idempotencyKey), cancellationToken)));

    public async Task<RefundRecord> RefundAsync(string paymentIntentId, Money? amount, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var refund = await CallAsync(stripe => stripe.V1.Refunds.CreateAsync(
            new RefundCreateOptions { PaymentIntent = paymentIntentId, Amount = amount?.Amount }, Idempotent(idempotencyKey), cancellationToken));
        return ToRecord(refund);
    }

    public async Task<PaymentRecord> GetAsync(string paymentIntentId, CancellationToken cancellationToken = default) =>
        ToRecord(await CallAsync(stripe => stripe.V1.PaymentIntents.GetAsync(paymentIntentId,
            new PaymentIntentGetOptions { Expand = WithCharge }, cancellationToken: cancellationToken)));

    public async Task<IReadOnlyList<PaymentRecord>> FindByMetadataAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        var found = await CallAsync(stripe => stripe.V1.PaymentIntents.SearchAsync(
            new PaymentIntentSearchOptions { Query = $"metadata['{key}']:'{value}'", Expand = ["data.latest_charge"] }, cancellationToken: cancellationToken));
        return found.Data.Select(ToRecord).ToArray();
    }

    public async Task<IReadOnlyList<PaymentRecord>> ListAsync(DateTimeOffset? from, DateTimeOffset? before, CancellationToken cancellationToken = default)
    {
        var created = new DateRangeOptions { GreaterThanOrEqual = from?.UtcDateTime, LessThan = before?.UtcDateTime };
        var intents = await ListAllAsync(after => CallAsync(stripe => stripe.V1.PaymentIntents.ListAsync(
            new PaymentIntentListOptions { Created = created, Limit = 100, StartingAfter = after, Expand = ["data.latest_charge"] }, cancellationToken: cancellationToken)));
        return [.. intents.Select(ToRecord)];
    }

    public async Task<IReadOnlyList<RefundRecord>> ListRefundsAsync(string paymentIntentId, CancellationToken cancellationToken = default)
    {
        var refunds = await ListAllAsync(after => CallAsync(stripe => stripe.V1.Refunds.ListAsync(
            new RefundListOptions { PaymentIntent = paymentIntentId, Limit = 100, StartingAfter = after }, cancellationToken: cancellationToken)));
        return [.. refunds.Select(ToRecord)];
    }

    /// <summary>Every page of a Stripe list, each asked for after the last item of the one before.</summary>
    private static async Task<List<T>> ListAllAsync<T>(Func<string?, Task<StripeList<T>>> page)
        where T : IHasId
    {
        var items = new List<T>();
        string? after = null;
        while (true)
        {
            var next = await page(after);
            items.AddRange(next.Data);
            if (!next.HasMore || next.Data.Count == 0)
            {
                return items;
            }

            after = next.Data[^1].Id;
        }
    }

    private async Task<T> CallAsync<T>(Func<StripeClient, Task<T>> call, bool keepAuthenticationDecline = false)
    {
        try
        {
            return await call(Client());
        }
        catch (StripeException stripe) when (keepAuthenticationDecline && stripe.StripeError is { Code: AuthenticationRequired, PaymentIntent: { } intent })
        {
            throw new AuthenticationDeclined(intent);
        }
        catch (StripeException stripe)
        {
            throw Translate(stripe);
        }
        catch (Exception exception) when (ExternalCall.Translate(ExternalSystem.Stripe, exception) is { } translated)
        {
            throw translated;
        }
    }

    private StripeClient Client()
    {
        var settings = options.Get(ExternalSystem.Stripe);
        var apiKey = settings.Require(settings.SecretKey, nameof(settings.SecretKey), ExternalSystem.Stripe);
        var apiBase = settings.BaseUrl.ToString().TrimEnd('/');
        var now = Environment.TickCount64;
        if (_client is { } cached && cached.ApiKey == apiKey && cached.ApiBase == apiBase && now < cached.UntilTicks)
        {
            return cached.Client;
        }

        // Two callers may both build one at the turn; either serves, the other is dropped.
        var http = new SystemNetHttpClient(httpClients.CreateClient(ExternalSystem.Stripe), maxNetworkRetries: 0, enableTelemetry: false);
        StripeOptionTypes.EnsureHeld();
        var client = new StripeClient(apiKey: apiKey, httpClient: http, apiBase: apiBase);
        _client = new CachedClient(client, apiKey, apiBase, now + (long)ClientReuse.TotalMilliseconds);
        return client;
    }

    /// <summary>Stripe's decline code for an off-session payment the bank wants the customer to authenticate (docs.stripe.com/declines/codes).</summary>
    private const string AuthenticationRequired = "authentication_required";

    private sealed class AuthenticationDeclined(PaymentIntent intent) : Exception("authentication required")
    {
        public PaymentIntent Intent { get; } = intent;
    }

    private sealed record CachedClient(StripeClient Client, string ApiKey, string ApiBase, long UntilTicks);

    private static RequestOptions Idempotent(string key) => new() { IdempotencyKey = key };

    private static IntegrationException Translate(StripeException stripe)
    {
        var status = (int)stripe.HttpStatusCode;
        if (stripe.StripeError?.Type == "card_error")
        {
            return new PaymentDeclinedException(stripe.StripeError.DeclineCode ?? stripe.StripeError.Code ?? "card_declined", stripe.Message);
        }

        if (status == 0 || Failures.IsSystemFailure(stripe.HttpStatusCode))
        {
            return new DependencyUnavailableException(ExternalSystem.Stripe, $"stripe answered {status}: {stripe.Message}");
        }

        return stripe.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? new DependencyRejectedException(ExternalSystem.Stripe, status, DependencyRejectedException.CredentialsRefused, stripe.Message)
            : new DependencyRejectedException(ExternalSystem.Stripe, status, stripe.StripeError?.Code ?? $"http_{status}", stripe.Message);
    }

    private static RefundRecord ToRecord(Refund refund) =>
        new(refund.Id, refund.PaymentIntentId, new Money(refund.Amount, refund.Currency.ToUpperInvariant()), refund.Status);

    private static SetupRecord ToRecord(SetupIntent setup) => new(setup.Id,
        setup.Status switch
        {
            "succeeded" => SetupStatus.Succeeded,
            "requires_action" => SetupStatus.RequiresAuthentication,
            "requires_payment_method" => SetupStatus.RequiresPaymentMethod,
            _ => SetupStatus.Other,
        },
        setup.PaymentMethodId, setup.ClientSecret);

    private static PaymentRecord ToRecord(PaymentIntent intent)
    {
        var currency = intent.Currency.ToUpperInvariant();
        var card = intent.LatestCharge?.PaymentMethodDetails?.Card;
        DateTimeOffset? captureBefore = card?.CaptureBefore is { } before && before != default ? new DateTimeOffset(DateTime.SpecifyKind(before, DateTimeKind.Utc)) : null;
        return new PaymentRecord(
            intent.Id,
            intent.Status switch
            {
                "requires_payment_method" => PaymentStatus.RequiresPaymentMethod,
                "requires_capture" => PaymentStatus.RequiresCapture,
                "succeeded" => PaymentStatus.Succeeded,
                "canceled" => PaymentStatus.Canceled,
                "processing" => PaymentStatus.Processing,
                "requires_action" => PaymentStatus.RequiresAuthentication,
                _ => PaymentStatus.Other,
            },
            new Money(intent.Amount, currency),
            new Money(intent.AmountCapturable, currency),
            new Money(intent.AmountReceived, currency),
            intent.Metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(intent.Metadata),
            captureBefore, intent.ClientSecret, intent.PaymentMethodId, card?.ExtendedAuthorization?.Status == "enabled",
            card?.IncrementalAuthorization?.Status == "available");
    }
}
