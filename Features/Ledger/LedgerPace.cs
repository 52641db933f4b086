namespace Strongroom.Features.Ledger;

/// <summary>
/// How fast the ledger writer drains its queue, measured on its own commits, so that the queue
/// can admit by time and not only by count. A group costs a fixed part, its COMMIT (the WAL or
/// log flush), plus a part per command (its reads and writes inside the transaction); both are
/// averaged over recent groups. A newcomer waits until a writer is free (what the group in flight
/// has left or, once it has overrun its expected time, as long again as it has overrun: a held
/// lock, a slow disk), then for the Q commands queued ahead of it,
/// <c>ceil(Q / MaxBatchSize) × commit + Q × per-command</c>, shared among the writers. Past the
/// queueing budget the request is refused at once.
/// </summary>
/// <remarks>
/// Not "pending ÷ recent throughput": throughput measured on small groups (light load) is far
/// below what group commit reaches once a burst arrives, so that estimate would refuse a burst
/// the next group could take whole.
/// <para>
/// The budget is <c>Ledger:MaxQueueWait</c> when configured; otherwise a small multiple of the
/// recent COMMIT time, the durable part of a group (the WAL or log flush), which hardly depends on
/// the group's size. Not a multiple of the whole group's time: that grows with the queue it
/// admits (a longer queue makes bigger groups, which take longer, which would admit a longer
/// queue), so under overload it would follow the load up instead of holding latency down.
/// </para>
/// </remarks>
internal sealed class LedgerPace
{
    /// <summary>The automatic budget is this many commit times...</summary>
    public const int AutoQueueWaitCommits = 4;

    /// <summary>
    /// ...and never less than this: about one unloaded group's time on a local SSD. Below it, a
    /// fast commit (a cached disk, tmpfs) would make the writer refuse work that it could still
    /// take in its next group.
    /// </summary>
    public static readonly TimeSpan AutoQueueWaitFloor = TimeSpan.FromMilliseconds(10);

    // Each group moves the averages a fifth of the way to its own figures: about ten groups
    // (milliseconds under load) to follow a change, while one slow fsync does not swing them.
    private const double Weight = 0.2;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan? _configuredBudget;

    private readonly int _maxBatch;

    // Per writer: when its group in flight started (a timestamp of _time), 0 while it is idle, and its size.
    private readonly long[] _groupStartedAt;
    private readonly int[] _groupSize;
    private readonly int[] _groupShared;
    private bool _measured;
    private double _sharedSeconds;
    private double _commitSeconds;
    private double _commandSeconds;

    public LedgerPace(TimeProvider time, int writers, int maxBatch, TimeSpan? configuredBudget)
    {
        _time = time;
        _groupStartedAt = new long[writers];
        _groupSize = new int[writers];
        _groupShared = new int[writers];
        _maxBatch = Math.Max(1, maxBatch);
        _configuredBudget = configuredBudget;
    }

    public int Writers => _groupStartedAt.Length;

    /// <summary>How long a request may expect to wait for the writer and still be admitted.</summary>
    public TimeSpan QueueWaitBudget
    {
        get
        {
            if (_configuredBudget is { } configured)
            {
                return configured;
            }

            lock (_lock)
            {
                var auto = TimeSpan.FromSeconds(AutoQueueWaitCommits * _commitSeconds);
                return auto > AutoQueueWaitFloor ? auto : AutoQueueWaitFloor;
            }
        }
    }

    /// <summary>How long a request arriving now, with <paramref name="ahead"/> commands accepted and not yet answered, can expect to wait.</summary>
    public TimeSpan EstimatedWait(int ahead)
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            // First, until a writer is free: the least of what the groups in flight have left. A group
            // past its expected time has overrun (a held lock, a slow disk), and nothing says when it
            // ends; it is taken to need as long again as it has overrun, so a stall sheds the longer
            // it lasts. Before the first commit nothing is expected: only elapsed time counts.
            var inFlight = 0;
            var untilFree = double.MaxValue;
            for (var writer = 0; writer < _groupStartedAt.Length; writer++)
            {
                var startedAt = Volatile.Read(ref _groupStartedAt[writer]);
                if (startedAt == 0)
                {
                    untilFree = 0;
                    continue;
                }

                var size = Volatile.Read(ref _groupSize[writer]);
                inFlight += size;
                var elapsed = _time.GetElapsedTime(startedAt, now).TotalSeconds;
                var expected = _commitSeconds + (size * _commandSeconds) + (Volatile.Read(ref _groupShared[writer]) * _sharedSeconds);
                untilFree = Math.Min(untilFree, Math.Abs(expected - elapsed));
            }

            // Then the commands queued ahead, in groups of at most MaxBatchSize, shared among the writers.
            var queued = Math.Max(0, ahead - inFlight);
            var groupsAhead = (queued + _maxBatch - 1) / _maxBatch;
            var queueSeconds = ((groupsAhead * _commitSeconds) + (queued * _commandSeconds)) / Writers;
            return TimeSpan.FromSeconds(untilFree + queueSeconds);
        }
    }

    /// <summary>
    /// A writer took a group of <paramref name="commands"/> and <paramref name="shared"/> writes of
    /// other parts of the service (<see cref="SharedWrites"/>), which are expected to take their
    /// own measured time, so that a group carrying them is not taken for one that has overrun.
    /// </summary>
    public void GroupStarted(int writer, int commands, int shared = 0)
    {
        Volatile.Write(ref _groupSize[writer], commands);
        Volatile.Write(ref _groupShared[writer], shared);
        Volatile.Write(ref _groupStartedAt[writer], _time.GetTimestamp());
    }

    /// <summary>The writer is done with its group (committed, refused or failed).</summary>
    public void GroupEnded(int writer) => Volatile.Write(ref _groupStartedAt[writer], 0);

    /// <summary>A group of <paramref name="commands"/> committed: <paramref name="work"/> from holding the write lock to the end of COMMIT, of which <paramref name="commit"/> was COMMIT.</summary>
    /// <remarks>
    /// The time of the <paramref name="shared"/> writes that rode in it (<paramref name="sharedTime"/>)
    /// is averaged apart: counted per command, a webhook's bookkeeping would make every transfer
    /// look several times dearer than it is, and the queue would refuse transfers it could take.
    /// </remarks>
    public void Committed(int commands, TimeSpan work, TimeSpan commit, int shared = 0, TimeSpan sharedTime = default)
    {
        var commandSeconds = Math.Max(0, (work - commit - sharedTime).TotalSeconds) / Math.Max(1, commands);
        var sharedSeconds = shared > 0 ? sharedTime.TotalSeconds / shared : (double?)null;
        lock (_lock)
        {
            if (!_measured)
            {
                (_commitSeconds, _commandSeconds, _sharedSeconds, _measured) = (commit.TotalSeconds, commandSeconds, sharedSeconds ?? 0, true);
                return;
            }

            _commitSeconds += Weight * (commit.TotalSeconds - _commitSeconds);
            if (commands > 0)
            {
                _commandSeconds += Weight * (commandSeconds - _commandSeconds);
            }

            if (sharedSeconds is { } each)
            {
                _sharedSeconds += Weight * (each - _sharedSeconds);
            }
        }
    }
}
