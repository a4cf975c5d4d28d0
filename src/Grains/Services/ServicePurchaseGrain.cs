using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Flows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Services;

/// <summary>
/// The service purchase saga (WEB-1, PAY-6, IOT-4). The one rule that matters most: money is
/// captured only after the OTA command grain reports the vehicle confirmed the activation, under a
/// per-purchase idempotency key, so no crash or duplicate callback charges for a service that did
/// not activate, or charges twice (PAY-9). Everything owed afterwards (a capture, a void, a
/// notification) is carried out by the guard reminder until done.
/// </summary>
public sealed partial class ServicePurchaseGrain(
    [PersistentState("service-purchase", StorageNames.Grains)] IPersistentState<ServicePurchaseState> state,
    IOptionsMonitor<ServiceOptions> options,
    IOptionsMonitor<FlowOptions> flowOptions,
    TimeProvider time,
    ILogger<ServicePurchaseGrain> logger) : Grain, IServicePurchaseGrain, IRemindable, IStoredFlowGrain
{
    private string Id => this.GetPrimaryKeyString();

    private ServicePurchaseState S => state.State;

    private FlowJournal Journal => S.Journal;

    private ServiceOptions Services => options.CurrentValue;

    private IPaymentAdapterGrain Payments => GrainFactory.GetGrain<IPaymentAdapterGrain>(0);

    private string CommandId => ServicePurchases.OtaCommandIdOf(Id);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ServicePurchaseFlow.Upgrade(S, Services);
        Outbox.PublishSoon();
        return Task.CompletedTask;
    }

    public async Task<ServicePurchaseView> StartAsync(StartServicePurchase request)
    {
        if (S.Request is not null)
        {
            if (S.Request != request)
            {
                throw new DomainException(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was used for a different purchase.");
            }

            if (ServicePurchaseFlow.RefusedBeforeActivation(S))
            {
                throw new DomainException(S.ErrorCode!, S.ErrorMessage ?? S.ErrorCode!);
            }

            return View();
        }

        if (!Services.Catalog.TryGetValue(request.ServiceCode, out var price))
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"There is no service {request.ServiceCode}; services are {string.Join(", ", Services.Catalog.Keys)}.");
        }

        var vehicle = await GrainFactory.GetGrain<IVehicleGrain>(request.Vin).GetAsync();
        if (vehicle?.OwnerId != request.CustomerId)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Vehicle {request.Vin} was not found among your vehicles.");
        }

        S.Request = request;
        S.TraceParent = FlowTrace.Capture();
        S.Price = new Money(price, Services.Currency);
        S.CreatedAt = time.GetUtcNow();
        await MoveAsync(ServicePurchaseStatus.Validating, new TransitionCause($"{request.ServiceCode} requested", request.CustomerId));

        // VSS-2, VSS-5: overdue maintenance, or no answer and nothing fresh cached, blocks the purchase.
        MaintenanceCheck check;
        try
        {
            check = await GrainFactory.GetGrain<IMaintenanceGrain>(request.Vin).CheckAsync();
        }
        catch (DomainException unavailable)
        {
            return await EndBeforeActivationAsync(ServicePurchaseStatus.Blocked, unavailable.Code, unavailable.Message);
        }

        if (check.Report.Status == MaintenanceState.Overdue)
        {
            return await EndBeforeActivationAsync(ServicePurchaseStatus.Blocked, ErrorCodes.MaintenanceRequired,
                "The vehicle's maintenance is overdue; book a workshop visit before buying services.");
        }

        // PAY-6: authorised, then delivered at once; the money is taken only when the vehicle confirms.
        var create = new AuthorizePayment($"{Id}/authorize", S.Price, request.PaymentMethodId, request.CustomerId,
            $"{request.ServiceCode} for {request.Vin}", new Dictionary<string, string> { [PaymentMetadata.PurchaseId] = Id, ["vin"] = request.Vin, ["serviceCode"] = request.ServiceCode });
        try
        {
            var authorization = await Payments.AuthorizeAsync(create);
            S.PaymentIntentId = authorization.PaymentIntentId;
        }
        catch (PaymentDeclinedException declined)
        {
            LogDeclined(Id, declined.DeclineCode);
            return await EndBeforeActivationAsync(ServicePurchaseStatus.Failed, ErrorCodes.PaymentDeclined, "The card was declined; nothing was charged.");
        }
        catch (IntegrationException failure)
        {
            // Stripe may have authorised before the answer was lost: leave a void to the guard.
            LogAuthorizationUncertain(failure, Id);
            Journal.Owe(new Obligation(ObligationKind.Void, LostCreate: create));
            return await EndBeforeActivationAsync(ServicePurchaseStatus.Failed, ErrorCodes.DependencyUnavailable,
                "The payment provider could not be reached; nothing was charged. Please try again.");
        }

        await MoveAsync(ServicePurchaseStatus.Activating, TransitionCause.Automatic(
            check.FromCache ? $"payment authorised; maintenance {check.Report.Status} (VSS cache of {check.CheckedAt:u})" : $"payment authorised; maintenance {check.Report.Status}"));
        await StartActivationAsync();
        await SettleAsync();
        return View();
    }

    public Task<ServicePurchaseView?> GetAsync() => Task.FromResult(S.Request is null ? null : View());

    public async Task OnActivationFinishedAsync(OtaOutcome outcome)
    {
        S.Attempts = outcome.Attempts;
        if (S.Status != ServicePurchaseStatus.Activating || outcome.CommandId != CommandId)
        {
            return;
        }

        if (outcome.Activated)
        {
            S.Charged = true;
            Journal.Owe(new Obligation(ObligationKind.Capture, Amount: S.Price));
            Notify("activated", "SERVICE_ACTIVATED", $"{S.Request!.ServiceCode} is active on your vehicle");
            await MoveAsync(ServicePurchaseStatus.Active, TransitionCause.Automatic($"the vehicle confirmed the activation (attempt {outcome.Attempts}); capturing"));
        }
        else
        {
            // IOT-4: never charged for a service that did not activate.
            Journal.Owe(ObligationKind.Void);
            S.ErrorCode = ErrorCodes.ActivationFailed;
            S.ErrorMessage = outcome.Error;
            await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"ota-failed/{Id}", OpsItemKind.SupportTicket, "Service activation failed",
                $"{S.Request!.ServiceCode} could not be activated on {S.Request.Vin} after {outcome.Attempts} attempts: {outcome.Error}. The customer was not charged.",
                FlowKinds.ServicePurchase, Id, time.GetUtcNow(), new Dictionary<string, string> { ["vin"] = S.Request.Vin, ["customerId"] = S.Request.CustomerId, ["commandId"] = outcome.CommandId }));
            Notify("activation-failed", "SERVICE_ACTIVATION_FAILED", $"{S.Request.ServiceCode} could not be activated; you were not charged");
            await MoveAsync(ServicePurchaseStatus.Failed, TransitionCause.Automatic($"activation failed after {outcome.Attempts} attempts; authorisation voided; support ticket opened"));
        }

        await SettleAsync();
    }

    public async Task OnPaymentEventAsync(PaymentEvent paymentEvent)
    {
        if (paymentEvent.PaymentIntentId != S.PaymentIntentId || S.Status != ServicePurchaseStatus.Active || Journal.Owes(ObligationKind.Capture))
        {
            // Confirmations of steps the saga took itself, or news about an authorisation it voided.
            return;
        }

        switch (paymentEvent.Kind)
        {
            case PaymentEventKind.Succeeded when S.Settlement is null:
                S.Settlement = "confirmed";
                await RecordAsync(FlowEntryKind.SettlementConfirmed, TransitionCause.Automatic($"settlement confirmed by Stripe ({paymentEvent.EventId})"));
                break;
            case PaymentEventKind.Failed when S.Settlement != "failed":
                // PAY-6: the service stays on (the risk was assumed); ops take the loss in hand, the customer is told.
                S.Settlement = "failed";
                RecordMoney($"settlement-failed/{paymentEvent.PaymentIntentId}", MoneyMovementType.SettlementFailed, S.Price!, paymentEvent.PaymentIntentId);
                await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"settlement-failed/{Id}", OpsItemKind.RiskItem, "Service payment did not settle",
                    $"{S.Price!.Amount} {S.Price.Currency} for {S.Request!.ServiceCode} on {S.Request.Vin} failed to settle: {paymentEvent.FailureMessage}",
                    FlowKinds.ServicePurchase, Id, time.GetUtcNow(), new Dictionary<string, string> { ["paymentIntentId"] = paymentEvent.PaymentIntentId, ["customerId"] = S.Request.CustomerId }));
                Notify("settlement-failed", "PAYMENT_FAILED", "We could not take the payment for your vehicle service");
                await RecordAsync(FlowEntryKind.SettlementFailed, TransitionCause.Automatic($"settlement failed ({paymentEvent.FailureMessage}); risk item raised"));
                await SettleAsync();
                break;
        }
    }

    private async Task<ServicePurchaseView> EndBeforeActivationAsync(ServicePurchaseStatus status, string code, string message)
    {
        S.ErrorCode = code;
        S.ErrorMessage = message;
        await MoveAsync(status, TransitionCause.Automatic(message));
        await SettleAsync();
        throw new DomainException(code, message);
    }

    private ServicePurchaseView View() => new(Id, S.Request!.CustomerId, S.Request.Vin, S.Request.ServiceCode, S.Status, S.Charged, S.Attempts, S.Price,
        S.Settlement, S.ErrorCode, S.ErrorMessage, S.CreatedAt, [.. S.History]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purchase {PurchaseId}: card declined ({DeclineCode})")]
    private partial void LogDeclined(string purchaseId, string? declineCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purchase {PurchaseId}: authorisation outcome unknown; any authorisation will be voided")]
    private partial void LogAuthorizationUncertain(Exception exception, string purchaseId);
}
