using CaaS.Grains.Abstractions.Flows;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Services;
using CaaS.Grains.Flows;

namespace CaaS.Grains.Services;

/// <summary>
/// The OTA command's state machine and IOT-3's schedule as plain decisions, taken from the stored
/// attempts and next-attempt time and the clock, never from how many ticks arrived.
/// </summary>
public static class OtaSchedule
{
    public static readonly FlowTable<OtaCommandStatus> Table = new(FlowKinds.OtaCommand, [OtaCommandStatus.Pending],
        new Dictionary<OtaCommandStatus, OtaCommandStatus[]>
        {
            [OtaCommandStatus.Pending] = [OtaCommandStatus.Succeeded, OtaCommandStatus.Failed],
        });

    /// <summary>The attempt whose outcome is not known yet, if any.</summary>
    public static OtaAttempt? InFlight(OtaCommandState command) => command.Attempts is [.., { Outcome: null } last] ? last : null;

    /// <summary>Whether a tick at this time starts the next attempt.</summary>
    public static bool AttemptDue(OtaCommandState command, DateTimeOffset now) =>
        command.Status == OtaCommandStatus.Pending && InFlight(command) is null && now >= command.NextAttemptAt;

    public static OtaAttempt NextAttempt(OtaCommandState command, DateTimeOffset now, OtaOptions rules) =>
        new(command.Attempts.Count + 1, command.NextAttemptAt ?? now, now, now + rules.AttemptTimeout, null, null);

    /// <summary>A failed attempt is retried at the interval until the first attempt and <see cref="OtaOptions.MaxRetries"/> retries have all failed.</summary>
    public static bool Exhausted(OtaCommandState command, OtaOptions rules) => command.Attempts.Count > rules.MaxRetries;

    /// <summary>When the grain must look again: soon while an attempt is in flight (never past its deadline), else at the next attempt.</summary>
    public static DateTimeOffset NextWake(OtaCommandState command, DateTimeOffset now, OtaOptions rules)
    {
        if (InFlight(command) is { } running)
        {
            var poll = now + rules.PollInterval;
            return poll < running.Deadline ? poll : running.Deadline;
        }

        return command.NextAttemptAt ?? now;
    }

    /// <summary>How long a pending command is expected to stay quiet: its whole retry schedule.</summary>
    public static TimeSpan WholeSchedule(OtaOptions rules) => (rules.MaxRetries + 1) * (rules.AttemptTimeout + rules.RetryInterval);

    /// <summary>What a command owes for the state it has just entered: attempts while pending, then its outcome to the purchase.</summary>
    public static void Entered(OtaCommandState command)
    {
        if (command.Status == OtaCommandStatus.Pending)
        {
            command.Journal.Owe(ObligationKind.Attempt);
            return;
        }

        command.Journal.Discharge(ObligationKind.Attempt);
        command.Journal.Owe(ObligationKind.TellOwner);
    }

    /// <summary>Turns what a command stored before the flow journal kept in a flag into obligations, once.</summary>
    public static void Upgrade(OtaCommandState command)
    {
        if (command.Journal.Upgraded)
        {
            return;
        }

        if (command.Request is not null && (command.Status == OtaCommandStatus.Pending || !command.LegacyOwnerTold))
        {
            Entered(command);
        }

        command.LegacyOwnerTold = false;
        command.Journal.Upgraded = true;
    }
}
