using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Flows;

namespace CaaS.Integration.Tests;

/// <summary>A grain with a flow guard and nothing else, to prove what keeping the guard costs the reminder table.</summary>
public interface IGuardProbeGrain : IGrainWithStringKey
{
    /// <summary>Owes something (the guard is registered), then owes nothing (it is stopped), in one call: a booking's creation.</summary>
    Task OweAndSettleAsync(bool moveTheReminderBetween = false);

    Task OweAsync();

    Task SettleAsync();
}

public sealed class GuardProbeGrain(TimeProvider time) : Grain, IGuardProbeGrain, IRemindable
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);
    private readonly FlowJournal _journal = new();
    private GuardKeeper? _guard;

    private GuardKeeper Guard => _guard ??= new GuardKeeper(this);

    public async Task OweAndSettleAsync(bool moveTheReminderBetween = false)
    {
        await OweAsync();
        if (moveTheReminderBetween)
        {
            // Another writer of the same reminder: the version the keeper holds is no longer the table's.
            await this.RegisterOrUpdateReminder(FlowGuard.Reminder, Period, Period);
        }

        await SettleAsync();
    }

    public Task OweAsync()
    {
        _journal.Owe(ObligationKind.Void, time.GetUtcNow());
        return Guard.KeepAsync(_journal, Period, time.GetUtcNow());
    }

    public Task SettleAsync()
    {
        _journal.Discharge(ObligationKind.Void);
        return Guard.KeepAsync(_journal, Period, time.GetUtcNow());
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
