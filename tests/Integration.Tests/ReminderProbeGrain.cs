using CaaS.Grains.Abstractions;

namespace CaaS.Integration.Tests;

/// <summary>A grain that exists to prove reminders and storage on PostgreSQL: each tick is persisted.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task StartAsync(TimeSpan period);

    Task StopAsync();

    Task<int> GetTicksAsync();
}

[GenerateSerializer]
public sealed class ReminderProbeState
{
    [Id(0)] public int Ticks { get; set; }
}

public sealed class ReminderProbeGrain(
    [PersistentState("probe", StorageNames.Grains)] IPersistentState<ReminderProbeState> state) : Grain, IReminderProbeGrain, IRemindable
{
    private const string ReminderName = "probe";

    public Task StartAsync(TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, period, period);

    public async Task StopAsync()
    {
        var reminder = await this.GetReminder(ReminderName);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<int> GetTicksAsync() => Task.FromResult(state.State.Ticks);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks++;
        await state.WriteStateAsync();
    }
}
