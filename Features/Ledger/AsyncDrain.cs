using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Hosting;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Applies the requests <see cref="AsyncIntake"/> accepted, oldest first, through the ledger
/// writer as ordinary <see cref="PostTransfers"/> commands: the caller, key, request hash and trace
/// id are the stored ones, so the rules, ownership checks and limits are those of a synchronous
/// request. They are submitted in accepted order, at most <c>Ledger:AsyncDrainWindow</c> in the
/// writer's queue at once, the next as soon as one is answered, and not admitted by time (nobody
/// waits on them), so the backlog drains at the writer's pace; one the queue refuses (503, or 409
/// while a synchronous request with its key is in flight) stops the round, and it and those after
/// it are submitted again on the next, so the backlog is applied in the order accepted. The writer marks each applied or failed in the
/// transaction of the movement or the refusal, so after kill -9 the drain resumes from the oldest
/// still processing and nothing is applied twice. One replica drains at a time: the holder of the
/// lease in <c>async_drain_lease</c>, renewed once half of it has gone; a crashed holder's lease expires after
/// <c>Ledger:AsyncDrainLease</c> and another replica takes over.
/// </summary>
internal sealed partial class AsyncDrain(
    SqlDatabase database, LedgerQueue queue, AsyncIntake intake, TimeProvider time, IOptions<LedgerOptions> options, IOptions<ModulesOptions> modules,
    ILogger<AsyncDrain> logger) : BackgroundService
{
    private readonly string _holder = Guid.NewGuid().ToString("N");
    private long _lastPurge;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!modules.Value.IsEnabled(Modules.Transfers))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            try
            {
                more = await DrainRoundAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, exception);
            }

            if (!more)
            {
                await intake.WaitForAcceptedAsync(options.Value.AsyncDrainInterval, stoppingToken);
            }
        }
    }

    /// <summary>One round: holds the lease, submits the oldest processing requests; true when there may be more to do at once.</summary>
    private async Task<bool> DrainRoundAsync(CancellationToken cancellationToken)
    {
        var take = Math.Max(1, 4 * options.Value.MaxBatchSize);
        List<InboxItem> items;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var now = UnixMicroseconds.Now(time);
            var length = options.Value.AsyncDrainLease.Ticks / TimeSpan.TicksPerMicrosecond;
            // Read first: a replica that does not hold the lease never writes, and the holder renews
            // only once half of it has gone, so an idle drain does not compete for the write lock.
            var lease = await connection.QuerySingleAsync<Lease>(Sql.ReadLease);
            if (lease.Holder != _holder && lease.ExpiresAt > now)
            {
                return false;
            }

            if (lease.Holder != _holder || lease.ExpiresAt - now < length / 2)
            {
                using var turn = await database.WriteTurnAsync(cancellationToken);
                if (await connection.ExecuteAsync(Sql.TakeLease, new { Holder = _holder, Now = now, Until = now + length }) == 0)
                {
                    return false;
                }
            }

            // Read only while still the holder (in the same statement), so a lease taken over meanwhile stops this round.
            items = [.. await connection.QueryAsync<InboxItem>(database.Pick(Sqlite.Oldest, SqlServer.Oldest), new { Take = take, Holder = _holder })];
        }

        if (items.Count == 0)
        {
            await PurgeFinishedAsync(cancellationToken);
            return false;
        }

        // A window of commands in the writer's queue, the next submitted as soon as one is answered:
        // enough for the writer's next group to be full while this one commits, few enough that a
        // synchronous request arriving meanwhile does not find a long queue ahead of it.
        // While requests are still arriving, a narrower window: the intake's records ride in the same
        // transactions, and the burst is what must be answered now; the backlog waits for it to pass.
        var window = Math.Max(1, options.Value.AsyncDrainWindow);
        var narrow = Math.Clamp(options.Value.AsyncDrainWindowWhileAccepting, 1, window);
        using var room = new SemaphoreSlim(window, window);
        using var narrowRoom = new SemaphoreSlim(narrow, narrow);
        var submitted = new List<Task<bool>>(items.Count);
        var shed = 0;
        foreach (var item in items)
        {
            await room.WaitAsync(cancellationToken);
            var narrowed = narrow < window && intake.IsAccepting(options.Value.AsyncIntakeQuiet);
            if (narrowed)
            {
                await narrowRoom.WaitAsync(cancellationToken);
            }

            if (Volatile.Read(ref shed) != 0)
            {
                // Refused at the door: neither it nor anything after it is submitted this round, so order holds.
                room.Release();
                if (narrowed)
                {
                    narrowRoom.Release();
                }

                break;
            }

            submitted.Add(SubmitAsync(item, narrowed));
        }

        await Task.WhenAll(submitted);
        if (shed != 0)
        {
            // Still processing: the next round submits them again once the writer has room.
            await Task.Delay(options.Value.AsyncRetryDelay, time, cancellationToken);
        }

        async Task<bool> SubmitAsync(InboxItem item, bool narrowed)
        {
            try
            {
                var refused = IsShed(await queue.SubmitBacklogAsync(item.ToCommand()));
                if (refused)
                {
                    Volatile.Write(ref shed, 1);
                }

                return refused;
            }
            finally
            {
                room.Release();
                if (narrowed)
                {
                    narrowRoom.Release();
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Forgets requests applied or failed longer ago than <c>Ledger:IdempotencyRetention</c> (their
    /// keys are forgotten then too), at most once per <c>Ledger:IdempotencyPurgeInterval</c>, by the
    /// lease holder when idle: an applied transfer is in the ledger; a failed one is then 404.
    /// </summary>
    private async Task PurgeFinishedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_lastPurge != 0 && time.GetElapsedTime(_lastPurge, now) < options.Value.IdempotencyPurgeInterval)
        {
            return;
        }

        _lastPurge = now;
        var cutoff = UnixMicroseconds.Now(time) - options.Value.IdempotencyRetention.Ticks / TimeSpan.TicksPerMicrosecond;
        using var turn = await database.WriteTurnAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(database.Pick(Sqlite.PurgeTransfers, SqlServer.PurgeTransfers), new { Cutoff = cutoff }, transaction);
        await connection.ExecuteAsync(database.Pick(Sqlite.PurgeRequests, SqlServer.PurgeRequests), new { Cutoff = cutoff }, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Not decided by the writer (nothing was applied or recorded): the request stays processing.</summary>
    private static bool IsShed(LedgerOutcome outcome) =>
        outcome.Status == StatusCodes.Status503ServiceUnavailable || (outcome.Status == StatusCodes.Status409Conflict && outcome.Code == "idempotency_key_in_use");

    [LoggerMessage(Level = LogLevel.Error, Message = "Draining asynchronous requests failed; the next round retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    /// <summary>An <c>async_requests</c> row still processing (a class: Dapper.AOT reads into its properties).</summary>
    internal sealed class InboxItem
    {
        public long Sequence { get; init; }

        public string OwnerId { get; init; } = "";

        public int OwnerIsStaff { get; init; }

        public string IdempotencyKey { get; init; } = "";

        public string RequestHash { get; init; } = "";

        public string? TraceId { get; init; }

        public int IsBatch { get; init; }

        public string Instructions { get; init; } = "[]";

        public long AcceptedAt { get; init; }

        public PostTransfers ToCommand() => new(new CommandOrigin(new Caller(OwnerId, OwnerIsStaff != 0), IdempotencyKey, RequestHash, TraceId ?? ""))
        {
            Transfers = JsonSerializer.Deserialize(Instructions, StrongroomJsonContext.Default.IReadOnlyListTransferInstruction) ?? [],
            IsBatch = IsBatch != 0,
            InboxSequence = Sequence,
            AcceptedAt = AcceptedAt,
        };
    }

    /// <summary>The one <c>async_drain_lease</c> row.</summary>
    internal sealed class Lease
    {
        public string Holder { get; init; } = "";

        public long ExpiresAt { get; init; }
    }

    private static class Sql
    {
        public const string ReadLease = """
            SELECT holder AS Holder, expires_at AS ExpiresAt FROM async_drain_lease WHERE id = 1
            """;

        public const string TakeLease = """
            UPDATE async_drain_lease SET holder = @Holder, expires_at = @Until
            WHERE id = 1 AND (holder = @Holder OR expires_at <= @Now)
            """;
    }

    private static class Sqlite
    {
        public const string Oldest = """
            SELECT sequence AS Sequence, owner_id AS OwnerId, owner_is_staff AS OwnerIsStaff, idempotency_key AS IdempotencyKey, request_hash AS RequestHash,
                   trace_id AS TraceId, is_batch AS IsBatch, instructions AS Instructions, accepted_at AS AcceptedAt
            FROM async_requests
            WHERE state = 'processing' AND EXISTS (SELECT 1 FROM async_drain_lease WHERE id = 1 AND holder = @Holder)
            ORDER BY sequence LIMIT @Take
            """;

        public const string PurgeTransfers = """
            DELETE FROM async_transfers
            WHERE sequence IN (SELECT sequence FROM async_requests WHERE state <> 'processing' AND finished_at < @Cutoff)
            """;

        public const string PurgeRequests = """
            DELETE FROM async_requests WHERE state <> 'processing' AND finished_at < @Cutoff
            """;
    }

    private static class SqlServer
    {
        public const string Oldest = """
            SELECT TOP (@Take) sequence AS Sequence, owner_id AS OwnerId, CAST(owner_is_staff AS int) AS OwnerIsStaff, idempotency_key AS IdempotencyKey,
                   request_hash AS RequestHash, trace_id AS TraceId, CAST(is_batch AS int) AS IsBatch, instructions AS Instructions, accepted_at AS AcceptedAt
            FROM async_requests
            WHERE state = N'processing' AND EXISTS (SELECT 1 FROM async_drain_lease WHERE id = 1 AND holder = @Holder)
            ORDER BY sequence
            """;

        public const string PurgeTransfers = """
            DELETE FROM async_transfers
            WHERE sequence IN (SELECT sequence FROM async_requests WHERE state <> N'processing' AND finished_at < @Cutoff)
            """;

        public const string PurgeRequests = """
            DELETE FROM async_requests WHERE state <> N'processing' AND finished_at < @Cutoff
            """;
    }
}
