using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Orders;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Flows;
using CaaS.Grains.Orders;
using CaaS.Grains.Services;

namespace CaaS.Grains.Tests.Flows;

/// <summary>What each flow owes for where it is, when its guard comes back, and the OTA schedule's decisions (IOT-3).</summary>
public sealed class ObligationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    [Fact]
    public void PAY_9_a_void_looks_again_after_the_recheck_time_for_an_authorisation_still_in_flight_then_ends()
    {
        var recheckAfter = TimeSpan.FromMinutes(3);
        var journal = new FlowJournal();
        journal.Owe(ObligationKind.Void);

        Assert.True(journal.VoidIsDue(Now));
        journal.Voided(Now, recheckAfter);
        var recheck = Assert.Single(journal.Obligations);
        Assert.Equal((ObligationKind.Void, Obligations.VoidRecheck, Now + recheckAfter), (recheck.Kind, recheck.Key, recheck.DueAt));
        Assert.False(journal.VoidIsDue(Now + recheckAfter - TimeSpan.FromSeconds(1)));
        // The guard comes back for it, not at once and not only at its period.
        Assert.Equal(recheckAfter, FlowGuard.DueIn(journal, TimeSpan.FromMinutes(10), Now));
        Assert.True(journal.VoidIsDue(Now + recheckAfter));
        journal.Voided(Now + recheckAfter, recheckAfter);
        Assert.Empty(journal.Obligations);
    }

    [Fact]
    public void Issue_20_a_write_that_owes_something_now_brings_forward_a_guard_set_for_a_deadline_weeks_away()
    {
        // A booking far ahead: its guard waits for the authorisation, weeks away.
        var journal = new FlowJournal();
        journal.Owe(ObligationKind.Authorize, Now.AddDays(40));
        var comesBy = Now + FlowGuard.DueIn(journal, Period, Now);
        Assert.False(FlowGuard.MustRegister(comesBy, journal, Period, Now.AddDays(1)));

        // Cancelled: the authorisation goes, a void and a message are owed now. The soak found such a
        // booking whose guard still waited 30 days, its void and message never sent.
        journal.Discharge(ObligationKind.Authorize);
        journal.Owe(ObligationKind.Void);
        Assert.True(FlowGuard.MustRegister(comesBy, journal, Period, Now.AddDays(1)));
        // A guard already coming every period is not registered again at each write.
        Assert.False(FlowGuard.MustRegister(Now.AddDays(1) + Period, journal, Period, Now.AddDays(1)));
        Assert.True(FlowGuard.MustRegister(null, journal, Period, Now));
        Assert.False(FlowGuard.MustRegister(null, new FlowJournal(), Period, Now));
    }

    [Fact]
    public void A_flow_that_only_waits_for_a_deadline_is_woken_at_the_deadline()
    {
        var journal = new FlowJournal();
        journal.Owe(ObligationKind.FinishOrAbandon, Now.AddMinutes(2));

        Assert.Equal(TimeSpan.FromMinutes(2), FlowGuard.DueIn(journal, Period, Now));
    }

    [Fact]
    public void The_guard_comes_back_at_its_period_or_sooner_for_an_obligation_due_before_it_but_never_at_once()
    {
        var journal = new FlowJournal();
        journal.Owe(ObligationKind.Notify);
        Assert.Equal(Period, FlowGuard.DueIn(journal, Period, Now));

        journal.Owe(ObligationKind.FinishOrAbandon, Now.AddSeconds(20));
        Assert.Equal(TimeSpan.FromSeconds(20), FlowGuard.DueIn(journal, Period, Now));

        journal.Owe(ObligationKind.FinishOrAbandon, Now.AddMinutes(-5));
        Assert.Equal(TimeSpan.FromSeconds(1), FlowGuard.DueIn(journal, Period, Now));

        journal.Owe(ObligationKind.FinishOrAbandon, Now.AddHours(6));
        Assert.Equal(Period, FlowGuard.DueIn(journal, Period, Now));
    }

    [Fact]
    public void Owing_again_updates_and_discharging_removes_only_that_kind_and_key()
    {
        var journal = new FlowJournal();
        journal.Owe(new Obligation(ObligationKind.Capture, Amount: Money.Eur(100)));
        journal.Owe(new Obligation(ObligationKind.Capture, Amount: Money.Eur(250)));
        journal.Owe(new Obligation(ObligationKind.Notify, "a"));
        journal.Owe(new Obligation(ObligationKind.Notify, "b"));

        Assert.Equal(Money.Eur(250), journal.Owed(ObligationKind.Capture)!.Amount);
        Assert.True(journal.Discharge(ObligationKind.Notify, "a"));
        Assert.False(journal.Discharge(ObligationKind.Notify, "a"));
        Assert.Equal(["b"], journal.OfKind(ObligationKind.Notify).Select(owed => owed.Key));
        Assert.Equal(2, journal.Obligations.Count);
    }

    [Theory]
    [InlineData(FactoryOrderStatus.Placing, new[] { ObligationKind.FinishOrAbandon })]
    [InlineData(FactoryOrderStatus.Placed, new[] { ObligationKind.FollowFactory })]
    [InlineData(FactoryOrderStatus.Manufacturing, new[] { ObligationKind.FollowFactory })]
    [InlineData(FactoryOrderStatus.Delayed, new[] { ObligationKind.FollowFactory })]
    [InlineData(FactoryOrderStatus.Ready, new ObligationKind[0])]
    [InlineData(FactoryOrderStatus.PlacementFailed, new ObligationKind[0])]
    [InlineData(FactoryOrderStatus.Delivered, new ObligationKind[0])]
    public void An_order_owes_what_its_state_asks_and_nothing_it_left_behind(FactoryOrderStatus status, ObligationKind[] owed)
    {
        var order = new FactoryOrderState { Status = FactoryOrderStatus.Placing };
        FactoryOrderFlow.Entered(order, Now, new OrderOptions());
        order.Status = FactoryOrderStatus.Placed;
        FactoryOrderFlow.Entered(order, Now, new OrderOptions());
        order.Status = status;

        FactoryOrderFlow.Entered(order, Now, new OrderOptions());

        Assert.Equal(owed, order.Journal.Obligations.Select(obligation => obligation.Kind));
    }

    [Fact]
    public void An_interrupted_placement_falls_due_after_the_configured_time() 
    {
        var order = new FactoryOrderState { Status = FactoryOrderStatus.Placing };
        var rules = new OrderOptions { PlacementInterruptedAfter = TimeSpan.FromMinutes(2) };

        FactoryOrderFlow.Entered(order, Now, rules);

        Assert.Equal(Now.AddMinutes(2), order.Journal.Owed(ObligationKind.FinishOrAbandon)!.DueAt);
    }

    [Fact]
    public void A_purchase_owes_its_abandonment_deadline_while_validating_then_its_activation()
    {
        var purchase = new ServicePurchaseState { Status = ServicePurchaseStatus.Validating };
        var rules = new ServiceOptions { AbandonValidationAfter = TimeSpan.FromMinutes(3) };

        ServicePurchaseFlow.Entered(purchase, Now, rules);
        Assert.Equal(Now.AddMinutes(3), purchase.Journal.Owed(ObligationKind.FinishOrAbandon)!.DueAt);

        purchase.Status = ServicePurchaseStatus.Activating;
        ServicePurchaseFlow.Entered(purchase, Now, rules);
        Assert.Equal([ObligationKind.StartActivation], purchase.Journal.Obligations.Select(owed => owed.Kind));
    }

    [Fact]
    public void A_purchase_is_finished_when_refused_failed_or_active_with_its_money_captured()
    {
        var purchase = new ServicePurchaseState { Status = ServicePurchaseStatus.Active };
        purchase.Journal.Owe(new Obligation(ObligationKind.Capture, Amount: Money.Eur(4_900)));
        Assert.False(ServicePurchaseFlow.IsFinished(purchase));

        purchase.Journal.Discharge(ObligationKind.Capture);
        Assert.True(ServicePurchaseFlow.IsFinished(purchase));
        Assert.True(ServicePurchaseFlow.IsFinished(new ServicePurchaseState { Status = ServicePurchaseStatus.Blocked }));
        Assert.False(ServicePurchaseFlow.IsFinished(new ServicePurchaseState { Status = ServicePurchaseStatus.Activating }));
    }

    [Fact]
    public void A_purchase_refused_before_its_activation_refuses_a_repeat_but_a_failed_activation_does_not()
    {
        Assert.True(ServicePurchaseFlow.RefusedBeforeActivation(new ServicePurchaseState { ErrorCode = ErrorCodes.MaintenanceRequired }));
        Assert.False(ServicePurchaseFlow.RefusedBeforeActivation(new ServicePurchaseState { ErrorCode = ErrorCodes.ActivationFailed }));
        Assert.False(ServicePurchaseFlow.RefusedBeforeActivation(new ServicePurchaseState()));
    }

    [Fact]
    public void An_ota_attempt_is_due_only_when_none_is_in_flight_and_its_time_has_come()
    {
        var command = new OtaCommandState { Status = OtaCommandStatus.Pending, NextAttemptAt = Now };

        Assert.True(OtaSchedule.AttemptDue(command, Now));
        Assert.False(OtaSchedule.AttemptDue(command, Now.AddTicks(-1)));

        command.Attempts.Add(OtaSchedule.NextAttempt(command, Now.AddSeconds(2), new OtaOptions()));
        Assert.False(OtaSchedule.AttemptDue(command, Now.AddHours(1)));
        Assert.Equal(new OtaAttempt(1, Now, Now.AddSeconds(2), Now.AddSeconds(62), null, null), command.Attempts[0]);
        Assert.False(OtaSchedule.AttemptDue(new OtaCommandState { Status = OtaCommandStatus.Succeeded, NextAttemptAt = Now }, Now));
    }

    [Fact]
    public void An_attempt_in_flight_is_looked_at_every_poll_interval_but_never_after_its_deadline()
    {
        var rules = new OtaOptions { PollInterval = TimeSpan.FromSeconds(5), AttemptTimeout = TimeSpan.FromSeconds(8) };
        var command = new OtaCommandState { Status = OtaCommandStatus.Pending, NextAttemptAt = Now };
        command.Attempts.Add(OtaSchedule.NextAttempt(command, Now, rules));

        Assert.Equal(Now.AddSeconds(5), OtaSchedule.NextWake(command, Now, rules));
        Assert.Equal(Now.AddSeconds(8), OtaSchedule.NextWake(command, Now.AddSeconds(6), rules));

        command.Attempts[0] = command.Attempts[0] with { Outcome = "failed: timeout" };
        command.NextAttemptAt = Now.AddSeconds(38);
        Assert.Equal(Now.AddSeconds(38), OtaSchedule.NextWake(command, Now.AddSeconds(8), rules));
    }

    [Fact]
    public void The_first_attempt_and_max_retries_are_tried_then_the_command_has_failed()
    {
        var rules = new OtaOptions { MaxRetries = 2 };
        var command = new OtaCommandState { Status = OtaCommandStatus.Pending };
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.False(OtaSchedule.Exhausted(command, rules));
            command.Attempts.Add(new OtaAttempt(attempt, Now, Now, Now, null, "failed"));
        }

        Assert.True(OtaSchedule.Exhausted(command, rules));
        Assert.Equal(3 * (rules.AttemptTimeout + rules.RetryInterval), OtaSchedule.WholeSchedule(rules));
    }

    [Fact]
    public void A_command_owes_attempts_while_pending_then_its_outcome_to_the_purchase()
    {
        var command = new OtaCommandState { Status = OtaCommandStatus.Pending };
        OtaSchedule.Entered(command);
        Assert.Equal([ObligationKind.Attempt], command.Journal.Obligations.Select(owed => owed.Kind));

        command.Status = OtaCommandStatus.Failed;
        OtaSchedule.Entered(command);
        Assert.Equal([ObligationKind.TellOwner], command.Journal.Obligations.Select(owed => owed.Kind));
    }
}
