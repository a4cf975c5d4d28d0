using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Rentals;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Flows;
using CaaS.Grains.Orders;
using CaaS.Grains.Rentals;
using CaaS.Grains.Services;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CaaS.Grains.Tests.StoredState;

/// <summary>
/// The .bin files beside this class are states in Orleans' binary format as the code before the flow
/// journal wrote them (obligations kept as flags, notifications in a list of their own): what a
/// running deployment has in its grain storage. Today's code must read every field and turn the
/// flags into obligations, once.
/// </summary>
public sealed class StoredStateTests
{
    private static readonly DateTimeOffset StoredAt = new(2026, 11, 20, 9, 30, 0, TimeSpan.Zero);

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(ReservationState).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static T Read<T>(string name) =>
        Serializer.Deserialize<T>(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "StoredState", name + ".bin")))
        ?? throw new InvalidDataException($"{name} holds no state");

    [Fact]
    public void A_stored_reservation_keeps_its_fields_and_its_flags_become_obligations()
    {
        var reservation = Read<ReservationState>("reservation-return-pending");

        ReservationFlow.Upgrade(reservation, new RentalOptions());

        Assert.Equal(new CreateReservation("cust-1", "veh-001", StoredAt.AddDays(1), StoredAt.AddDays(1).AddHours(3), "pm_card_visa"), reservation.Request);
        Assert.Equal(ReservationStatus.ReturnPending, reservation.Status);
        Assert.Equal(("WVWZZZ1JZXW000001", "compact", "pi_1"), (reservation.Vin, reservation.Category, reservation.PaymentIntentId));
        Assert.Equal((Money.Eur(11_000), Money.Eur(100), Money.Eur(6_000)), (reservation.AuthorizedAmount, reservation.RefundedAmount, reservation.Price));
        Assert.Equal(new Fine("returned 1 h late", Money.Eur(2_000)), Assert.Single(reservation.Fines));
        Assert.Equal(["Pending", "Confirmed"], reservation.History.Select(entry => entry.To));
        Assert.All(reservation.History, entry => Assert.Equal((FlowEntryKind.Moved, 0L), (entry.Kind, entry.Sequence)));
        Assert.Equal(1, reservation.RechargeAttempts);
        Assert.Equal(80, reservation.ReturnProof!.EnergyPercent);
        Assert.Single(reservation.MoneyMoves);
        Assert.True(ReservationFlow.MaintenanceFlagged(reservation));
        Assert.Equal(Money.Eur(8_000), reservation.Journal.Owed(ObligationKind.Capture)!.Amount);
        Assert.True(reservation.Journal.Owes(ObligationKind.Void));
        Assert.Equal("res-1/completed", Assert.Single(reservation.Journal.OfKind(ObligationKind.Notify)).Notification!.Id);
        Assert.Null(reservation.LegacyOutbox);
        Assert.False(reservation.LegacyVoidPending);
        Assert.Null(reservation.LegacyCapturePending);
        // Returned before MOB-7 and IOT-9: judged by its claim, and no LOCK to wait for before the capture.
        Assert.Equal((null, null, false), (reservation.ReturnLock, reservation.ReturnWitness, reservation.Journal.Owes(ObligationKind.ConfirmLock)));
    }

    [Fact]
    public void The_upgrade_runs_once_so_a_discharged_obligation_never_comes_back()
    {
        var reservation = Read<ReservationState>("reservation-return-pending");
        ReservationFlow.Upgrade(reservation, new RentalOptions());
        reservation.Journal.Discharge(ObligationKind.Void);

        var stored = Serializer.Deserialize<ReservationState>(Serializer.SerializeToArray(reservation))!;
        ReservationFlow.Upgrade(stored, new RentalOptions());

        Assert.False(stored.Journal.Owes(ObligationKind.Void));
        Assert.True(stored.Journal.Owes(ObligationKind.Capture));
    }

    [Fact]
    public void A_stored_purchase_owes_its_activation_capture_void_and_notification()
    {
        var purchase = Read<ServicePurchaseState>("service-purchase-activating");

        ServicePurchaseFlow.Upgrade(purchase, new ServiceOptions());

        Assert.Equal(new StartServicePurchase("cust-2", "WVWZZZ1JZXW000002", "ENHANCED_POWER", "pm_card_visa"), purchase.Request);
        Assert.Equal((ServicePurchaseStatus.Activating, 2, "confirmed", "pi_2"), (purchase.Status, purchase.Attempts, purchase.Settlement, purchase.PaymentIntentId));
        Assert.Equal(["Validating", "Activating"], purchase.History.Select(entry => entry.To));
        Assert.Equal(
            [ObligationKind.StartActivation, ObligationKind.Void, ObligationKind.Capture, ObligationKind.Notify],
            purchase.Journal.Obligations.Select(owed => owed.Kind));
        Assert.Equal(Money.Eur(4_900), purchase.Journal.Owed(ObligationKind.Capture)!.Amount);
        Assert.False(ServicePurchaseFlow.IsFinished(purchase));
    }

    [Fact]
    public void A_stored_ready_order_owes_its_registration_and_notification()
    {
        var order = Read<FactoryOrderState>("factory-order-ready");

        FactoryOrderFlow.Upgrade(order, new OrderOptions());

        Assert.Equal(new PlaceFactoryOrder("cust-3", new Abstractions.Integration.VehicleSpec("ID.4", "Pro", "Grey", "ES")), order.Request);
        Assert.Equal((FactoryOrderStatus.Ready, "fo-1", "WVWZZZ1JZXW000003"), (order.Status, order.FactoryOrderId, order.Vin));
        Assert.Equal(StoredAt.AddDays(2), order.LastFactoryStatusAt);
        Assert.Equal(3, order.History.Count);
        Assert.Equal([ObligationKind.Register, ObligationKind.Notify], order.Journal.Obligations.Select(owed => owed.Kind));
    }

    [Fact]
    public void A_stored_command_whose_purchase_was_not_told_still_owes_it()
    {
        var command = Read<OtaCommandState>("ota-command-succeeded");

        OtaSchedule.Upgrade(command);

        Assert.Equal((OtaCommandStatus.Succeeded, "pur-1"), (command.Status, command.Request!.PurchaseId));
        Assert.Equal("cmd-1", Assert.Single(command.Attempts).IotCommandId);
        Assert.Equal([ObligationKind.TellOwner], command.Journal.Obligations.Select(owed => owed.Kind));
    }

    [Fact]
    public void A_stored_stripe_dead_letter_keeps_its_event()
    {
        var letter = Read<InboxState>("dead-letter-stripe");

        var payment = Assert.IsType<StripePaymentMessage>(letter.Webhook!.Message);
        Assert.Equal(("evt_1", "payment_intent.payment_failed", "pi_1", "insufficient funds"),
            (payment.Event.EventId, payment.Event.SourceType, payment.Event.PaymentIntentId, payment.Event.FailureMessage));
        Assert.Equal("res-1", payment.ReservationId);
        Assert.Equal((2, "DEPENDENCY_UNAVAILABLE", false), (letter.Attempts, letter.LastError, letter.Processed));
        Assert.Equal("t=1,v1=x", letter.Webhook.Headers["Stripe-Signature"]);
    }
}
