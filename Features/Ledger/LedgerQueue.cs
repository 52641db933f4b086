using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Strongroom.Features.Ledger;

/// <summary>
/// The bounded queue in front of the ledger writer. Submitting waits for the commit (group
/// commit: the request is answered only once its transaction is durable). When the queue is
/// full, or the database is known to be unavailable, the request is refused at once with 503,
/// never left to time out. An Idempotency-Key already being processed by this replica is refused
/// with 409.
/// </summary>
public sealed class LedgerQueue
{
    private readonly Channel<LedgerCommand> _channel;
    private readonly DatabaseAvailability _database;
    private readonly ConcurrentDictionary<(string UserId, string Key), byte> _inFlight = new();
    private int _pending;

    public LedgerQueue(IOptions<LedgerOptions> options, DatabaseAvailability database)
    {
        _database = database;
        _channel = Channel.CreateBounded<LedgerCommand>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Commands accepted and not yet answered.</summary>
    public int Pending => Volatile.Read(ref _pending);

    internal ChannelReader<LedgerCommand> Reader => _channel.Reader;

    public async Task<LedgerOutcome> SubmitAsync(LedgerCommand command)
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

    internal void Complete(LedgerCommand command, LedgerOutcome outcome)
    {
        if (command.Completion.TrySetResult(outcome))
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>No new work: the writer drains what was accepted, then stops.</summary>
    internal void Close() => _channel.Writer.TryComplete();
}
