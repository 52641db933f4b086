using System.Diagnostics;
using System.Diagnostics.Metrics;
using Strongroom.Infrastructure.Telemetry;

namespace Strongroom.Infrastructure.Caching;

/// <summary>How cached reads were answered (meter <c>Strongroom</c>): one counter, its tag list made once per outcome.</summary>
public sealed class CacheMetrics
{
    private readonly Counter<long> _reads;
    private readonly TagList _hit = new([new("outcome", "hit")]);
    private readonly TagList _miss = new([new("outcome", "miss")]);
    private readonly TagList _stale = new([new("outcome", "stale")]);
    private readonly TagList _bypass = new([new("outcome", "bypass")]);

    public CacheMetrics(IMeterFactory meters) =>
        _reads = meters.Create(StrongroomTelemetry.MeterName).CreateCounter<long>("strongroom.cache.reads", "{read}",
            "Cached reads, by how each was answered: hit (from the cache), miss (from the database), stale (an expired entry while the database failed or was slow), bypass (no cache: replicas without Redis).");

    public void Read(CacheOutcome outcome)
    {
        if (!_reads.Enabled)
        {
            return;
        }

        switch (outcome)
        {
            case CacheOutcome.Hit:
                _reads.Add(1, _hit);
                break;
            case CacheOutcome.Stale:
                _reads.Add(1, _stale);
                break;
            case CacheOutcome.Bypass:
                _reads.Add(1, _bypass);
                break;
            default:
                _reads.Add(1, _miss);
                break;
        }
    }
}
