using System.Diagnostics;
using System.Diagnostics.Metrics;
using Strongroom.Infrastructure.Telemetry;

namespace Strongroom.Features.Ledger;

/// <summary>
/// The ledger's metrics (meter <c>Strongroom</c>): how deep the queue is, how big each group commit
/// is and how long its transaction takes, and what became of every transfer asked for. Each
/// measurement is a branch when nothing listens; tags are made once, or on the stack.
/// </summary>
public sealed class LedgerMetrics
{
    private static readonly KeyValuePair<string, object?> Posted = new("outcome", "posted");
    private static readonly KeyValuePair<string, object?> Refused = new("outcome", "refused");

    private readonly Meter _meter;
    private readonly Counter<long> _transfers;
    private readonly Histogram<int> _groupSize;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _holdsExpired;

    public LedgerMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(StrongroomTelemetry.MeterName);
        _transfers = _meter.CreateCounter<long>("strongroom.ledger.transfers", "{transfer}",
            "Transfers, deposits and withdrawals asked for (each transfer of a batch counted), by outcome: posted, or refused with the problem's code.");
        _groupSize = _meter.CreateHistogram("strongroom.ledger.group.size", "{command}", "Commands applied by one group commit (one database transaction).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        _commitDuration = _meter.CreateHistogram("strongroom.ledger.commit.duration", "s", "One group commit's transaction, from holding the write lock to the end of COMMIT.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _holdsExpired = _meter.CreateCounter<long>("strongroom.ledger.holds.expired", "{hold}", "Holds voided by the expiry job because their holdExpiresAt had passed.");
    }

    /// <summary>The queue's depth, read when a reader collects: nothing is measured in between.</summary>
    internal void ObserveQueue(LedgerQueue queue) =>
        _meter.CreateObservableGauge("strongroom.ledger.queue.depth", () => queue.Pending, "{command}",
            "Money-moving commands accepted and not yet answered, the ones in the writer's hands included.");

    internal void Committed(int groupSize, TimeSpan transaction)
    {
        _groupSize.Record(groupSize);
        _commitDuration.Record(transaction.TotalSeconds);
    }

    internal void HoldsExpired(int count) => _holdsExpired.Add(count);

    /// <summary>What became of a command's transfers; a replayed answer was counted the first time.</summary>
    internal void Answered(LedgerCommand command, LedgerOutcome outcome)
    {
        if (!_transfers.Enabled || command is not PostTransfers post || outcome.Replayed)
        {
            return;
        }

        if (outcome.IsSuccess)
        {
            _transfers.Add(post.Transfers.Count, new TagList([Posted]));
        }
        else
        {
            _transfers.Add(post.Transfers.Count, new TagList([Refused, new("code", outcome.Code ?? "unknown")]));
        }
    }
}
