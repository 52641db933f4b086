using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Strongroom.Features.Ledger;

/// <summary>
/// The bounded queue in front of the ledger writer. Submitting waits for the commit (group
/// commit: the request is answered only once its transaction is durable). A request is refused
/// at once with 503, never left to time out, when the database is known to be unavailable, when
/// the queue is full, or when the writer cannot be expected to reach it within the queueing
/// budget (<see cref="LedgerPace"/>): overload is shed at the door, so what is accepted is
/// answered about as fast as without it. An Idempotency-Key already being processed by this
/// replica is refused with 409. Whatever happens behind it, an accepted request is answered
/// within <c>Ledger:MaxWriterWait</c> (<see cref="LedgerCommand.Deadline"/>).
/// </summary>
[SuppressMessage("Naming", "CA1711", Justification = "It is a queue: the bounded one in front of the ledger writer.")]
public sealed class LedgerQueue
{
    private readonly Channel<LedgerCommand> _channel;
    private readonly DatabaseAvailability _database;
    private readonly TimeProvider _time;
    private readonly long _maxWriterWaitTicks;
    private readonly ConcurrentDictionary<(string UserId, string Key), byte> _inFlight = new();
    private int _pending;

    private readonly LedgerMetrics _metrics;

    public LedgerQueue(IOptions<LedgerOptions> options, DatabaseAvailability database, SqlDatabase sql, TimeProvider time, LedgerMetrics metrics)
    {
        _database = database;
        _metrics = metrics;
        metrics.ObserveQueue(this);
        _time = time;
        _maxWriterWaitTicks = (long)(options.Value.MaxWriterWait.TotalSeconds * time.TimestampFrequency);
        // SQLite has one write lock, so one writer; SQL Server's row locks let several proceed.
        var writers = sql.Provider == DatabaseProvider.SqlServer ? Math.Max(1, options.Value.Writers) : 1;
        Pace = new LedgerPace(time, writers, options.Value.MaxBatchSize, options.Value.MaxQueueWait);
        _channel = Channel.CreateBounded<LedgerCommand>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Commands accepted and not yet answered.</summary>
    public int Pending => Volatile.Read(ref _pending);

    internal ChannelReader<LedgerCommand> Reader => _channel.Reader;

    internal LedgerPace Pace { get; }

    public async Task<LedgerOutcome> SubmitAsync(LedgerCommand command)
    {
        var outcome = await AdmitAsync(command, byTime: true);
        _metrics.Answered(command, outcome);
        return outcome;
    }

    /// <summary>
    /// For the backlog of asynchronously accepted requests (<see cref="AsyncDrain"/>): nobody waits
    /// on the other end, so it is not admitted by time, only refused while the database is down, the
    /// queue is full or its key is in flight; the drain bounds how many it has in the queue.
    /// </summary>
    internal async Task<LedgerOutcome> SubmitBacklogAsync(LedgerCommand command)
    {
        var outcome = await AdmitAsync(command, byTime: false);
        _metrics.Answered(command, outcome);
        return outcome;
    }

    /// <summary>
    /// For a write that rides in the writer's transaction (<see cref="SharedWrites"/>): not admitted
    /// by time (it is the service's own work, and costs the group only its statements), refused only
    /// while the database is down or the queue is full; not counted in the money-movement metrics.
    /// </summary>
    internal Task<LedgerOutcome> SubmitSharedAsync(SharedWrite write) => AdmitAsync(write, byTime: false);

    private async Task<LedgerOutcome> AdmitAsync(LedgerCommand command, bool byTime)
    {
        // Known to be down: refuse now rather than queue behind a connect timeout.
        if (_database.IsDown)
        {
            return LedgerProblems.DatabaseUnavailable(command.TraceId);
        }

        var slot = command.IdempotencyKey is { } key ? (command.Caller!.UserId, key) : default;
        if (command.IdempotencyKey is not null && !_inFlight.TryAdd(slot, 0))
        {
            return LedgerProblems.Conflict(command.TraceId, "idempotency_key_in_use", "A request with this Idempotency-Key is still being processed.");
        }

        try
        {
            // Admission by time: refused now rather than answered late. The estimate counts every
            // command accepted and not yet answered, the ones in the writer's hands included.
            if (byTime && Pace.EstimatedWait(Pending) > Pace.QueueWaitBudget)
            {
                return LedgerProblems.Busy(command.TraceId);
            }

            command.Deadline = _time.GetTimestamp() + _maxWriterWaitTicks;
            Interlocked.Increment(ref _pending);
            if (!_channel.Writer.TryWrite(command))
            {
                Interlocked.Decrement(ref _pending);
                return LedgerProblems.Busy(command.TraceId);
            }

            // Not cancelled with the request: once queued, the command commits or is refused, and a
            // client that went away can learn which by retrying with the same Idempotency-Key.
            return await command.Completion.Task;
        }
        finally
        {
            if (command.IdempotencyKey is not null)
            {
                _inFlight.TryRemove(slot, out _);
            }
        }
    }

    /// <summary>True once the writer must give up on <paramref name="command"/>: answer it 503 rather than start on it.</summary>
    internal bool IsPastDeadline(LedgerCommand command) => _time.GetTimestamp() >= command.Deadline;

    internal void Complete(LedgerCommand command, LedgerOutcome outcome)
    {
        // Counted out first: a client that sends its next request the moment it has this answer must
        // not find this one still ahead of it.
        if (Interlocked.Exchange(ref command.Answered, 1) == 0)
        {
            Interlocked.Decrement(ref _pending);
            command.Completion.TrySetResult(outcome);
        }
    }

    /// <summary>No new work: the writer drains what was accepted, then stops.</summary>
    internal void Close() => _channel.Writer.TryComplete();
}
