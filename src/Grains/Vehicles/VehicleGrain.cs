using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Telemetry;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Vehicles;

public sealed class VehicleGrain(
    [PersistentState("vehicle", StorageNames.Grains)] IPersistentState<VehicleState> state,
    TimeProvider time,
    IOptionsMonitor<TelemetryPollerOptions> telemetryOptions) : Grain, IVehicleGrain
{
    /// <summary>Past timeslots are dropped after a day so a vehicle's state does not grow with its life.</summary>
    private static readonly TimeSpan KeepPastSlots = TimeSpan.FromDays(1);

    /// <summary>
    /// IOT-7: the latest telemetry report when it is newer than the written one. Lost with the
    /// activation, on purpose: the next poll brings it back within one interval, and flushing on
    /// deactivation would turn every silo shutdown into a write per vehicle of the fleet.
    /// </summary>
    private IotVehicleStatus? _unwrittenTelemetry;

    public Task<VehicleSnapshot?> GetAsync()
    {
        if (!state.RecordExists)
        {
            return Task.FromResult<VehicleSnapshot?>(null);
        }

        var snapshot = state.State.ToSnapshot();
        return Task.FromResult<VehicleSnapshot?>(_unwrittenTelemetry is { } latest
            ? snapshot with { Telemetry = latest.Telemetry, LastContact = latest.LastContact }
            : snapshot);
    }

    public async Task<StatusChangeOutcome> ReportStatusAsync(VehicleStatusReport report)
    {
        state.State.Vin = this.GetPrimaryKeyString();
        var before = (state.State.Status, state.State.StatusReportedAt, state.State.Model, state.State.Category);
        var outcome = VehicleRules.Apply(state.State, report, time.GetUtcNow());
        // A repeated report (a webhook again, the same fleet list again) changes nothing, so it writes nothing.
        if (outcome != StatusChangeOutcome.Stale && before != (state.State.Status, state.State.StatusReportedAt, state.State.Model, state.State.Category))
        {
            if (before.Status != state.State.Status)
            {
                RecordEvent(before.Status.ToString(), state.State.Status.ToString(), report.OccurredAt);
            }

            await StoreAsync();
            await PublishAsync();
        }

        return outcome;
    }

    public async Task<HoldOutcome> HoldAsync(string reservationId, DateTimeOffset from, DateTimeOffset to, VehicleStatus fleetStatus)
    {
        var slots = state.State.Timeslots;
        if (slots.Any(slot => slot.Owner == reservationId))
        {
            return HoldOutcome.Held;
        }

        if (!VehicleRules.IsRentable(state.State, fleetStatus))
        {
            return HoldOutcome.NotRentable;
        }

        if (slots.Any(slot => slot.Overlaps(from, to)))
        {
            return HoldOutcome.Taken;
        }

        state.State.Vin = this.GetPrimaryKeyString();
        slots.RemoveAll(slot => slot.To < time.GetUtcNow() - KeepPastSlots);
        slots.Add(new Timeslot(reservationId, from, to, TimeslotKind.Reservation));
        await StoreAsync();
        return HoldOutcome.Held;
    }

    public async Task ReleaseAsync(string reservationId)
    {
        if (state.State.Timeslots.RemoveAll(slot => slot.Owner == reservationId) > 0)
        {
            await StoreAsync();
        }
    }

    public Task<bool> IsFreeAsync(DateTimeOffset from, DateTimeOffset to, VehicleStatus fleetStatus) =>
        Task.FromResult(VehicleRules.IsRentable(state.State, fleetStatus) && !state.State.Timeslots.Any(slot => slot.Overlaps(from, to)));

    public async Task<IReadOnlyList<string>> ScheduleMaintenanceAsync(string eventId, DateTimeOffset from, DateTimeOffset to)
    {
        var slots = state.State.Timeslots;
        var owner = "maintenance:" + eventId;
        var overlapped = slots.Where(slot => slot.Kind == TimeslotKind.Reservation && slot.Overlaps(from, to)).Select(slot => slot.Owner).ToArray();
        if (!slots.Any(slot => slot.Owner == owner))
        {
            state.State.Vin = this.GetPrimaryKeyString();
            slots.Add(new Timeslot(owner, from, to, TimeslotKind.Maintenance));
            await StoreAsync();
        }

        return overlapped;
    }

    public Task<IReadOnlyList<Timeslot>> GetTimeslotsAsync() => Task.FromResult<IReadOnlyList<Timeslot>>([.. state.State.Timeslots]);

    public async Task AssignOwnerAsync(string customerId, string orderId, string model, TransitionCause cause)
    {
        if (state.State.OwnerId == customerId)
        {
            return;
        }

        if (state.State.OwnerId is not null)
        {
            throw new DomainException(ErrorCodes.InvalidState, $"Vehicle {this.GetPrimaryKeyString()} already belongs to another customer.");
        }

        state.State.Vin = this.GetPrimaryKeyString();
        state.State.OwnerId = customerId;
        state.State.Model ??= model;
        state.State.Category ??= "car";
        TransitionHistory.Append(state.State.History, TransitionHistory.Record(time.GetUtcNow(), "Unowned", "Owned", cause with { Reason = $"{cause.Reason} (order {orderId})" }));
        RecordEvent("Unowned", "Owned", time.GetUtcNow());
        await StoreAsync();
        await PublishAsync();
    }

    private Events.OutboxPublisher? _outbox;

    /// <summary>Status and ownership go to caas.vehicles.&lt;vin&gt;; telemetry reports never do (they are the poller's, many a minute).</summary>
    private Events.OutboxPublisher Outbox => _outbox ??= new Events.OutboxPublisher(this, () => state.State.Events,
        () => Events.FlowEvents.Pending(Abstractions.Events.EventSubjects.Vehicle, this.GetPrimaryKeyString(), state.State.Events,
            () => System.Text.Json.JsonSerializer.Serialize(new VehicleEventData(state.State.Vin, state.State.Status, state.State.Model, state.State.Category,
                state.State.OwnerId is not null, state.State.StatusReportedAt), Events.EventJson.Options)));

    /// <summary>
    /// Issue 20, MOB-6: a write that failed (PostgreSQL restarting, a duplicate activation's stale
    /// ETag) leaves this activation holding a timeslot, a release or a status it never stored. Kept,
    /// the booking's retry would find its slot and be answered Held with nothing stored, and the next
    /// activation would give the same hours to someone else (a 30-minute soak did, twice). So the
    /// activation goes and the next call reads what was stored. Telemetry restores its own fields instead.
    /// </summary>
    private async Task StoreAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// A vehicle publishes a few times in its life but stays active for hours: once the log has it
    /// all, the publisher (and what it holds) goes, unless a retry timer still needs it.
    /// </summary>
    private async Task PublishAsync()
    {
        await Outbox.PublishAsync();
        if (_outbox is { Retrying: false })
        {
            _outbox = null;
        }
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (state.State.Model, state.State.Category) = (VehicleRules.Shared(state.State.Model), VehicleRules.Shared(state.State.Category));
        // The publisher is made only for a vehicle with something to publish: most have nothing, and
        // at 250,000 active vehicles its few hundred bytes each are 60 MB (issue 18 point 5).
        // PublishSoon's one-shot timer holds the publisher that made it, so the field may go meanwhile.
        if (state.State.Events.Outbox.Count > 0)
        {
            Outbox.PublishSoon();
        }

        return Task.CompletedTask;
    }

    private void RecordEvent(string from, string to, DateTimeOffset at)
    {
        var journal = state.State.Events;
        journal.Sequence++;
        journal.Outbox.Add(TransitionHistory.Record(at, from, to, TransitionCause.Automatic("vehicle changed"), FlowEntryKind.Moved, journal.Sequence));
        // A vehicle lives for years; an outbox the log never drained must not grow with it.
        if (journal.Outbox.Count > TransitionHistory.MaxEntries)
        {
            journal.Outbox.RemoveAt(0);
        }
    }

    public async Task RecordTelemetryAsync(IotVehicleStatus status)
    {
        if (!TelemetryRules.IsNewer(_unwrittenTelemetry?.LastContact ?? state.State.LastContact, status.LastContact))
        {
            return;
        }

        var now = time.GetUtcNow();
        var written = (state.State.Telemetry, state.State.LastContact, state.State.TelemetryWrittenAt);
        if (TelemetryRules.WriteReason(written.Telemetry, written.TelemetryWrittenAt, status.Telemetry, now,
                telemetryOptions.CurrentValue.Thresholds) == TelemetryWriteReason.None)
        {
            _unwrittenTelemetry = status;
            return;
        }

        state.State.Vin = this.GetPrimaryKeyString();
        (state.State.Telemetry, state.State.LastContact, state.State.TelemetryWrittenAt) = (status.Telemetry, status.LastContact, now);
        try
        {
            await state.WriteStateAsync();
            _unwrittenTelemetry = null;
        }
        catch
        {
            // The state must keep saying what storage holds, or the rules would compare with a write
            // that never happened; the report is still served from memory.
            (state.State.Telemetry, state.State.LastContact, state.State.TelemetryWrittenAt) = written;
            _unwrittenTelemetry = status;
            throw;
        }
    }
}
