namespace CaaS.Grains;

public static class GrainReminders
{
    /// <summary>Removes the grain's reminder of that name if it has one: a flow that has ended leaves nothing firing.</summary>
    public static async Task StopReminderAsync(this Grain grain, string name)
    {
        if (await grain.GetReminder(name) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }
    }
}
