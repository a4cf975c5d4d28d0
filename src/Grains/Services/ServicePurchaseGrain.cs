using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Integration;
using CaaS.Grains.Notifications;
using CaaS.Grains.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Services;

public sealed class ServiceOptions
{
    public const string Section = "Services";

    /// <summary>What can be bought, by service code: the price in minor units.</summary>
    public Dictionary<string, long> Catalog { get; set; } = new(StringComparer.Ordinal)
    {
        ["ENHANCED_POWER"] = 4_900,
        ["HEATED_SEATS"] = 1_900,
        ["AUTOPARK"] = 2_900,
    };

    public string Currency { get; set; } = "EUR";

    /// <summary>How often a purchase with something owed (a void, a capture, a notification) looks again.</summary>
    public TimeSpan GuardPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A purchase still validating after this long was interrupted (a crash): it fails, and any authorisation is voided.</summary>
    public TimeSpan AbandonValidationAfter { get; set; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// The service purchase saga (WEB-1, PAY-6, IOT-4). The one rule that matters most: money is
/// captured only after the OTA command grain reports the vehicle confirmed the activation, under a
/// per-purchase idempotency key, so no crash or duplicate callback charges for a service that did
/// not activate, or charges twice (PAY-9). Everything owed afterwards (a capture, a void, a
/// notification) is carried out by a reminder until done.
/// </summary>
public sealed partial class ServicePurchaseGrain(
    [PersistentState("service-purchase", StorageNames.Grains)] IPersistentState<ServicePurchaseState> state,
    IOptionsMonitor<ServiceOptions> options,
    TimeProvider time,
    ILogger<ServicePurchaseGrain> logger) : Grain, IServicePurchaseGrain, IRemindable
{
    private const string Guard = "guard";

    private string Id => this.GetPrimaryKeyString();

    private ServicePurchaseState S => state.State;

    private ServiceOptions Rules => options.CurrentValue;

    private IPaymentAdapterGrain Payments => GrainFactory.GetGrain<IPaymentAdapterGrain>(0);

    private string CommandId => ServicePurchases.OtaCommandIdOf(Id);

    public async Task<ServicePurchaseView> StartAsync(StartServicePurchase request)
    {
        if (S.Request is not null)
        {
            if (S.Request != request)
            {
                throw new DomainException(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was used for a different purchase.");
            }

            // A purchase refused before its activation began answers a repeat with the same refusal.
            if (S.ErrorCode is { } code && !S.OtaStarted)
            {
                throw new DomainException(code, S.ErrorMessage ?? code);
            }

            return View();
        }

        if (!Rules.Catalog.TryGetValue(request.ServiceCode, out var price))
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"There is no service {request.ServiceCode}; services are {string.Join(", ", Rules.Catalog.Keys)}.");
        }

        var vehicle = await GrainFactory.GetGrain<IVehicleGrain>(request.Vin).GetAsync();
        if (vehicle?.OwnerId != request.CustomerId)
        {
            throw new DomainException(ErrorCodes.NotFound, $"Vehicle {request.Vin} was not found among your vehicles.");
        }

        S.Request = request;
        S.Price = new Money(price, Rules.Currency);
        S.CreatedAt = time.GetUtcNow();
        await GuardAsync(Rules.AbandonValidationAfter);
        await SaveAsync(ServicePurchaseStatus.Validating, new TransitionCause($"{request.ServiceCode} requested", request.CustomerId));

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
        try
        {
            var authorization = await Payments.AuthorizeAsync(new AuthorizePayment($"{Id}/authorize", S.Price, request.PaymentMethodId, request.CustomerId,
                $"{request.ServiceCode} for {request.Vin}", new Dictionary<string, string> { [PaymentMetadata.PurchaseId] = Id, ["vin"] = request.Vin, ["serviceCode"] = request.ServiceCode }));
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
            S.VoidPending = true;
            return await EndBeforeActivationAsync(ServicePurchaseStatus.Failed, ErrorCodes.DependencyUnavailable,
                "The payment provider could not be reached; nothing was charged. Please try again.");
        }

        await SaveAsync(ServicePurchaseStatus.Activating, TransitionCause.Automatic(
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
            S.CapturePending = true;
            Notify("activated", "SERVICE_ACTIVATED", $"{S.Request!.ServiceCode} is active on your vehicle");
            await SaveAsync(ServicePurchaseStatus.Active, TransitionCause.Automatic($"the vehicle confirmed the activation (attempt {outcome.Attempts}); capturing"));
        }
        else
        {
            // IOT-4: never charged for a service that did not activate.
            S.VoidPending = true;
            S.ErrorCode = "ACTIVATION_FAILED";
            S.ErrorMessage = outcome.Error;
            await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"ota-failed/{Id}", OpsItemKind.SupportTicket, "Service activation failed",
                $"{S.Request!.ServiceCode} could not be activated on {S.Request.Vin} after {outcome.Attempts} attempts: {outcome.Error}. The customer was not charged.",
                FlowKinds.ServicePurchase, Id, time.GetUtcNow(), new Dictionary<string, string> { ["vin"] = S.Request.Vin, ["customerId"] = S.Request.CustomerId, ["commandId"] = outcome.CommandId }));
            Notify("activation-failed", "SERVICE_ACTIVATION_FAILED", $"{S.Request.ServiceCode} could not be activated; you were not charged");
            await SaveAsync(ServicePurchaseStatus.Failed, TransitionCause.Automatic($"activation failed after {outcome.Attempts} attempts; authorisation voided; support ticket opened"));
        }

        await SettleAsync();
    }

    public async Task OnPaymentEventAsync(PaymentEvent paymentEvent)
    {
        if (paymentEvent.PaymentIntentId != S.PaymentIntentId || S.Status != ServicePurchaseStatus.Active || S.CapturePending)
        {
            // Confirmations of steps the saga took itself, or news about an authorisation it voided.
            return;
        }

        switch (paymentEvent.Kind)
        {
            case PaymentEventKind.Succeeded when S.Settlement is null:
                S.Settlement = "confirmed";
                await SaveAsync(S.Status, TransitionCause.Automatic($"settlement confirmed by Stripe ({paymentEvent.EventId})"));
                break;
            case PaymentEventKind.Failed when S.Settlement != "failed":
                // PAY-6: the service stays on (the risk was assumed); ops take the loss in hand, the customer is told.
                S.Settlement = "failed";
                RecordMoney($"settlement-failed/{paymentEvent.PaymentIntentId}", MoneyMovementType.SettlementFailed, S.Price!, paymentEvent.PaymentIntentId);
                await GrainFactory.GetGrain<IOpsGrain>(0).RaiseAsync(new OpsItem($"settlement-failed/{Id}", OpsItemKind.RiskItem, "Service payment did not settle",
                    $"{S.Price!.Amount} {S.Price.Currency} for {S.Request!.ServiceCode} on {S.Request.Vin} failed to settle: {paymentEvent.FailureMessage}",
                    FlowKinds.ServicePurchase, Id, time.GetUtcNow(), new Dictionary<string, string> { ["paymentIntentId"] = paymentEvent.PaymentIntentId, ["customerId"] = S.Request.CustomerId }));
                Notify("settlement-failed", "PAYMENT_FAILED", "We could not take the payment for your vehicle service");
                await SaveAsync(S.Status, TransitionCause.Automatic($"settlement failed ({paymentEvent.FailureMessage}); risk item raised"));
                await SettleAsync();
                break;
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (S.Request is null)
        {
            await UnguardAsync();
            return;
        }

        if (S.Status == ServicePurchaseStatus.Validating && time.GetUtcNow() - S.CreatedAt >= Rules.AbandonValidationAfter)
        {
            LogAbandoned(Id);
            S.VoidPending = true;
            S.ErrorCode = ErrorCodes.DependencyUnavailable;
            S.ErrorMessage = "The purchase could not be completed; nothing was charged.";
            await SaveAsync(ServicePurchaseStatus.Failed, TransitionCause.Automatic("validation interrupted; abandoned and undone"));
        }

        if (S.Status == ServicePurchaseStatus.Activating && !S.OtaStarted)
        {
            await StartActivationAsync();
        }

        await SettleAsync();
    }

    private async Task StartActivationAsync()
    {
        await GrainFactory.GetGrain<IOtaCommandGrain>(CommandId).StartAsync(new OtaCommandRequest(S.Request!.Vin, IotCommands.ActivateService,
            new Dictionary<string, string> { ["serviceCode"] = S.Request.ServiceCode, ["purchaseId"] = Id }, Id));
        S.OtaStarted = true;
        await state.WriteStateAsync();
    }

    private async Task<ServicePurchaseView> EndBeforeActivationAsync(ServicePurchaseStatus status, string code, string message)
    {
        S.ErrorCode = code;
        S.ErrorMessage = message;
        await SaveAsync(status, TransitionCause.Automatic(message));
        await SettleAsync();
        throw new DomainException(code, message);
    }

    /// <summary>Carries out what is owed; the guard stays until nothing is.</summary>
    private async Task SettleAsync()
    {
        if (S.VoidPending)
        {
            try
            {
                await Payments.VoidAllAsync(PaymentMetadata.PurchaseId, Id);
                S.VoidPending = false;
                await state.WriteStateAsync();
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "void");
            }
        }

        if (S.CapturePending)
        {
            try
            {
                var captured = await Payments.CaptureAsync(S.PaymentIntentId!, S.Price!, $"{Id}/capture");
                S.CapturePending = false;
                RecordMoney("capture", MoneyMovementType.Captured, captured.AmountReceived, S.PaymentIntentId!);
                await SaveAsync(S.Status, TransitionCause.Automatic("captured after the activation was confirmed"));
            }
            catch (IntegrationException failure)
            {
                LogSettlementDeferred(failure, Id, "capture");
            }
        }

        if (S.Outbox.Count > 0 && await NotificationOutbox.DeliverAsync(S.Outbox, GrainFactory, logger))
        {
            await state.WriteStateAsync();
        }

        var owed = S.VoidPending || S.CapturePending || S.Outbox.Count > 0 || S.Status == ServicePurchaseStatus.Validating
            || (S.Status == ServicePurchaseStatus.Activating && !S.OtaStarted);
        if (owed)
        {
            await GuardAsync(Rules.GuardPeriod);
        }
        else
        {
            await UnguardAsync();
        }
    }

    private void Notify(string what, string template, string subject) =>
        NotificationOutbox.Record(S.Outbox, $"{Id}/{what}", S.Request!.CustomerId, template, subject,
            new Dictionary<string, string> { ["purchaseId"] = Id, ["vin"] = S.Request.Vin, ["serviceCode"] = S.Request.ServiceCode }, time.GetUtcNow());

    private async Task SaveAsync(ServicePurchaseStatus to, TransitionCause cause)
    {
        var now = time.GetUtcNow();
        TransitionHistory.Append(S.History, TransitionHistory.Record(now, S.History.Count == 0 ? "None" : S.Status.ToString(), to.ToString(), cause));
        S.Status = to;
        S.UpdatedAt = now;
        await state.WriteStateAsync();
        await Task.WhenAll(this.PublishFlowAsync(Moved(), logger), this.PublishMoneyAsync(S.MoneyMoves, logger));
    }

    public Task<FlowMoved?> DescribeFlowAsync() => Task.FromResult(S.Request is null ? null : Moved());

    private FlowMoved Moved() => new(FlowKinds.ServicePurchase, Id, S.Status.ToString(),
        S.Status is ServicePurchaseStatus.Blocked or ServicePurchaseStatus.Failed || (S.Status == ServicePurchaseStatus.Active && !S.CapturePending),
        S.UpdatedAt ?? S.CreatedAt, CustomerId: S.Request!.CustomerId, Vin: S.Request.Vin);

    private void RecordMoney(string step, MoneyMovementType type, Money amount, string paymentIntentId) =>
        MoneyLedger.Record(S.MoneyMoves, new MoneyMoved($"{Id}/{step}", time.GetUtcNow(), RevenueKind.VehicleService, type, amount, 0, Id, paymentIntentId));

    private ServicePurchaseView View() => new(Id, S.Request!.CustomerId, S.Request.Vin, S.Request.ServiceCode, S.Status, S.Charged, S.Attempts, S.Price,
        S.Settlement, S.ErrorCode, S.ErrorMessage, S.CreatedAt, [.. S.History]);

    private Task GuardAsync(TimeSpan due) => this.RegisterOrUpdateReminder(Guard, due, Rules.GuardPeriod);

    private Task UnguardAsync() => this.StopReminderAsync(Guard);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purchase {PurchaseId}: card declined ({DeclineCode})")]
    private partial void LogDeclined(string purchaseId, string? declineCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purchase {PurchaseId}: authorisation outcome unknown; any authorisation will be voided")]
    private partial void LogAuthorizationUncertain(Exception exception, string purchaseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purchase {PurchaseId}: validation never finished; abandoning it")]
    private partial void LogAbandoned(string purchaseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purchase {PurchaseId}: {Action} deferred to the next reminder")]
    private partial void LogSettlementDeferred(Exception exception, string purchaseId, string action);
}
