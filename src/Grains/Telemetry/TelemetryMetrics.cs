using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaaS.Grains.Abstractions;

namespace CaaS.Grains.Telemetry;

/// <summary>
/// The poller's instruments, on the CaaS meter like IntegrationMetrics so every exporter already
/// listens. Lateness is what a fleet-sized benchmark reads ("poll lateness p99"): how long
/// after its schedule each round started. Each instrument carries the tag "partition".
/// </summary>
public sealed class TelemetryMetrics
{
    private const string PartitionTag = "partition";

    private readonly Histogram<double> _lateness;
    private readonly Histogram<double> _roundDuration;
    private readonly Counter<long> _skippedRounds;
    private readonly Counter<long> _polls;

    public TelemetryMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(CaaSDiagnostics.SourceName);
        var rounds = new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.PollRounds };
        _lateness = meter.CreateHistogram("iot.poll.lateness", unit: "s", description: "How long after its scheduled time a poll round started.", advice: rounds);
        _roundDuration = meter.CreateHistogram("iot.poll.round.duration", unit: "s", description: "Time one partition took to poll all its vehicles.", advice: rounds);
        _skippedRounds = meter.CreateCounter<long>("iot.poll.rounds.skipped", description: "Rounds dropped because the previous one overran whole intervals.");
        _polls = meter.CreateCounter<long>("iot.poll.vehicles", description: "Vehicle status polls, tagged outcome ok or failed; backedoff counts cars not asked this round because they stay unreachable.");
    }

    public void RecordRoundStarted(int partition, TimeSpan lateness) =>
        _lateness.Record(lateness.TotalSeconds, new TagList { { PartitionTag, partition } });

    public void RecordSkipped(int partition, long skipped)
    {
        if (skipped > 0)
        {
            _skippedRounds.Add(skipped, new TagList { { PartitionTag, partition } });
        }
    }

    public void RecordRoundEnded(int partition, TimeSpan duration, int polled, int failed, int backedOff)
    {
        if (backedOff > 0)
        {
            _polls.Add(backedOff, new TagList { { PartitionTag, partition }, { "outcome", "backedoff" } });
        }

        _roundDuration.Record(duration.TotalSeconds, new TagList { { PartitionTag, partition } });
        _polls.Add(polled - failed, new TagList { { PartitionTag, partition }, { "outcome", "ok" } });
        if (failed > 0)
        {
            _polls.Add(failed, new TagList { { PartitionTag, partition }, { "outcome", "failed" } });
        }
    }
}
