using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Records requests sent with <c>Prefer: respond-async</c> durably before they are answered 202:
/// one background writer takes every request waiting and commits them in ONE transaction (group
/// commit; on SQLite, the ledger writer's next transaction, see <see cref="SharedWrites"/>), so the
/// 202 rate is not capped by one fsync per request. In that transaction, for each
/// request: its Idempotency-Key is looked up (a key already used answers as a synchronous request
/// would: the stored answer replayed, or 422 <c>idempotency_key_reused</c>); past
/// <c>Ledger:AsyncBacklogLimit</c> requests still processing it is refused 503 <c>ledger_busy</c>
/// with <c>Retry-After</c>; otherwise it goes into <c>async_requests</c> (its transfer ids into
/// <c>async_transfers</c>) and its key is stored with the 202, which the writer later replaces
/// with the final answer (<see cref="AsyncInbox"/>). <see cref="AsyncDrain"/> is told at once.
/// </summary>
public sealed partial class AsyncIntake : BackgroundService
{
    private readonly Channel<Pending> _channel;
    private readonly SqlDatabase _database;
    private readonly SharedWrites _shared;
    private readonly DatabaseAvailability _availability;
    private readonly TimeProvider _time;
    private readonly LedgerOptions _options;
    private readonly ILogger<AsyncIntake> _logger;
    private readonly SemaphoreSlim _accepted = new(0, 1);

    public AsyncIntake(SqlDatabase database, SharedWrites shared, DatabaseAvailability availability, TimeProvider time, IOptions<LedgerOptions> options, ILogger<AsyncIntake> logger)
    {
        _database = database;
        _shared = shared;
        _availability = availability;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _channel = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.QueueCapacity) { SingleReader = true });
    }

    // When a request last arrived here (a Stopwatch timestamp, real time: a pacing hint, not a fact of the ledger).
    private long _lastArrival;

    /// <summary>
    /// Whether requests are arriving now (one in the last <paramref name="within"/>): while they
    /// are, the drain leaves the writer to them (<see cref="AsyncDrain"/>), so a burst is recorded
    /// at the intake's pace and applied after it.
    /// </summary>
    internal bool IsAccepting(TimeSpan within)
    {
        var last = Volatile.Read(ref _lastArrival);
        return last != 0 && Stopwatch.GetElapsedTime(last) < within;
    }

    /// <summary>Records <paramref name="command"/> (its ids assigned) and answers 202, or what its Idempotency-Key or the backlog says.</summary>
    public async Task<LedgerOutcome> SubmitAsync(PostTransfers command)
    {
        Volatile.Write(ref _lastArrival, Stopwatch.GetTimestamp());
        if (_availability.IsDown)
        {
            return LedgerProblems.DatabaseUnavailable(command.TraceId);
        }

        var pending = new Pending(command);
        if (!_channel.Writer.TryWrite(pending))
        {
            return LedgerProblems.Busy(command.TraceId);
        }

        // Not cancelled with the request: once queued it is recorded or refused, and a retry with the key tells which.
        return await pending.Completion.Task;
    }

    /// <summary>Waits until a request has been accepted since the last call, or <paramref name="timeout"/> has passed.</summary>
    internal async Task WaitForAcceptedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _accepted.WaitAsync(timeout, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // What was queued is still recorded (or refused) before the writer stops.
        _channel.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var maxGroup = Math.Max(1, _options.MaxBatchSize);
        var group = new List<Pending>(maxGroup);
        while (await _channel.Reader.WaitToReadAsync(CancellationToken.None))
        {
            group.Clear();
            while (group.Count < maxGroup && _channel.Reader.TryRead(out var pending))
            {
                group.Add(pending);
            }

            LedgerOutcome[] outcomes;
            try
            {
                outcomes = await RecordAsync(group);
            }
            catch (Exception exception)
            {
                // Nothing of the group was committed: each is refused as a synchronous request would be.
                var unavailable = DatabaseUnavailableException.IsUnavailable(exception);
                if (unavailable)
                {
                    _availability.ReportUnavailable();
                }

                LogFailed(_logger, group.Count, exception);
                outcomes = [.. group.Select(p => unavailable ? LedgerProblems.DatabaseUnavailable(p.Command.TraceId) : LedgerProblems.Unavailable(p.Command.TraceId))];
            }

            for (var i = 0; i < group.Count; i++)
            {
                group[i].Completion.TrySetResult(outcomes[i]);
            }

            if (outcomes.Any(o => o.Status == StatusCodes.Status202Accepted && !o.Replayed) && _accepted.CurrentCount == 0)
            {
                try
                {
                    _accepted.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Already signalled.
                }
            }
        }
    }

    /// <summary>
    /// Records the group in one transaction: on SQLite the ledger writer's own next one
    /// (<see cref="SharedWrites"/>), so accepting a burst and draining it share its commits rather
    /// than taking the one write lock in turns.
    /// </summary>
    private Task<LedgerOutcome[]> RecordAsync(List<Pending> group) =>
        _shared.WriteAsync((connection, transaction) => RecordAsync(group, connection, transaction), CancellationToken.None);

    private async Task<LedgerOutcome[]> RecordAsync(List<Pending> group, DbConnection connection, DbTransaction transaction)
    {
        var outcomes = new LedgerOutcome[group.Count];
        var now = UnixMicroseconds.Now(_time);
        var expires = now + (long)(_options.IdempotencyRetention.Ticks / TimeSpan.TicksPerMicrosecond);
        var backlog = await connection.ExecuteScalarAsync<long>(_database.Pick(Sqlite.CountProcessing, SqlServer.CountProcessing), transaction: transaction);
        var seen = new Dictionary<(string UserId, string Key), LedgerWorkSet.StoredResponse>();
        for (var i = 0; i < group.Count; i++)
        {
            var command = group[i].Command;
            var slot = (command.Caller!.UserId, command.IdempotencyKey!);
            if (!seen.TryGetValue(slot, out var stored))
            {
                stored = await connection.QuerySingleOrDefaultAsync<LedgerWorkSet.StoredResponse>(
                    _database.Pick(Sqlite.LoadKey, SqlServer.LoadKey), new { OwnerId = slot.UserId, Key = slot.Item2 }, transaction);
            }

            if (stored is not null)
            {
                outcomes[i] = stored.RequestHash == command.RequestHash
                    ? new LedgerOutcome(stored.ResponseStatus, stored.ResponseBody, Replayed: true, Location: LocationOf(command, stored.ResponseStatus, stored.ResponseBody))
                    : LedgerProblems.Unprocessable(command.TraceId, "idempotency_key_reused", "This Idempotency-Key was used with a different request.");
                continue;
            }

            if (backlog >= _options.AsyncBacklogLimit)
            {
                outcomes[i] = LedgerProblems.Busy(command.TraceId);
                continue;
            }

            var row = new AcceptedRow
            {
                OwnerId = command.Caller.UserId,
                OwnerIsStaff = command.Caller.IsStaff,
                Key = slot.Item2,
                RequestHash = command.RequestHash!,
                TraceId = command.TraceId,
                IsBatch = command.IsBatch,
                Instructions = JsonSerializer.Serialize(command.Transfers, StrongroomJsonContext.Default.IReadOnlyListTransferInstruction),
                AcceptedAt = now,
            };
            var sequence = await connection.ExecuteScalarAsync<long>(_database.Pick(Sqlite.Insert, SqlServer.Insert), row, transaction);
            foreach (var transfer in command.Transfers)
            {
                await connection.ExecuteAsync(Sql.InsertTransfer, new AcceptedTransferRow { TransferId = transfer.Id, Sequence = sequence }, transaction);
            }

            var body = AsyncInbox.AcceptedBody(command);
            await connection.ExecuteAsync(Sql.InsertKey, new
            {
                OwnerId = slot.UserId,
                Key = slot.Item2,
                command.RequestHash,
                ResponseStatus = StatusCodes.Status202Accepted,
                ResponseBody = body,
                CreatedAt = now,
                ExpiresAt = expires,
            }, transaction);
            seen[slot] = new LedgerWorkSet.StoredResponse { RequestHash = command.RequestHash!, ResponseStatus = StatusCodes.Status202Accepted, ResponseBody = body };
            outcomes[i] = new LedgerOutcome(StatusCodes.Status202Accepted, body, Location: LocationOf(command, StatusCodes.Status202Accepted, body));
            backlog++;
        }

        return outcomes;
    }

    /// <summary>A 201 or 202 of one transfer names it in Location; a batch's does not (its body lists the ids).</summary>
    private static string? LocationOf(PostTransfers command, int status, string body)
    {
        if (command.IsBatch || status is not (StatusCodes.Status201Created or StatusCodes.Status202Accepted))
        {
            return null;
        }

        try
        {
            using var parsed = JsonDocument.Parse(body);
            return parsed.RootElement.ValueKind == JsonValueKind.Object && parsed.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                ? $"/v1/transfers/{id.GetString()}"
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An <c>async_requests</c> row to insert (a class: Dapper.AOT binds its properties).</summary>
    internal sealed class AcceptedRow
    {
        public string OwnerId { get; init; } = "";

        public bool OwnerIsStaff { get; init; }

        public string Key { get; init; } = "";

        public string RequestHash { get; init; } = "";

        public string? TraceId { get; init; }

        public bool IsBatch { get; init; }

        public string Instructions { get; init; } = "[]";

        public long AcceptedAt { get; init; }
    }

    internal sealed class AcceptedTransferRow
    {
        public string TransferId { get; init; } = "";

        public long Sequence { get; init; }
    }

    private sealed class Pending(PostTransfers command)
    {
        public PostTransfers Command { get; } = command;

        public TaskCompletionSource<LedgerOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {Count} asynchronous request(s) failed; refused with 503, nothing was recorded")]
    private static partial void LogFailed(ILogger logger, int count, Exception exception);

    private static class Sql
    {
        public const string InsertTransfer = """
            INSERT INTO async_transfers (transfer_id, sequence) VALUES (@TransferId, @Sequence)
            """;

        public const string InsertKey = """
            INSERT INTO idempotency_keys (owner_id, idempotency_key, request_hash, response_status, response_body, created_at, expires_at)
            VALUES (@OwnerId, @Key, @RequestHash, @ResponseStatus, @ResponseBody, @CreatedAt, @ExpiresAt)
            """;
    }

    private static class Sqlite
    {
        public const string CountProcessing = """
            SELECT COUNT(*) FROM async_requests WHERE state = 'processing'
            """;

        public const string LoadKey = """
            SELECT request_hash AS RequestHash, response_status AS ResponseStatus, response_body AS ResponseBody
            FROM idempotency_keys WHERE owner_id = @OwnerId AND idempotency_key = @Key
            """;

        public const string Insert = """
            INSERT INTO async_requests (owner_id, owner_is_staff, idempotency_key, request_hash, trace_id, is_batch, instructions, state, accepted_at)
            VALUES (@OwnerId, @OwnerIsStaff, @Key, @RequestHash, @TraceId, @IsBatch, @Instructions, 'processing', @AcceptedAt)
            RETURNING sequence
            """;
    }

    private static class SqlServer
    {
        public const string CountProcessing = """
            SELECT COUNT_BIG(*) FROM async_requests WHERE state = N'processing'
            """;

        // Locked to the end of the transaction, so a synchronous request with the same key waits for this one.
        public const string LoadKey = """
            SELECT request_hash AS RequestHash, response_status AS ResponseStatus, response_body AS ResponseBody
            FROM idempotency_keys WITH (UPDLOCK, HOLDLOCK) WHERE owner_id = @OwnerId AND idempotency_key = @Key
            """;

        public const string Insert = """
            INSERT INTO async_requests (owner_id, owner_is_staff, idempotency_key, request_hash, trace_id, is_batch, instructions, state, accepted_at)
            OUTPUT INSERTED.sequence
            VALUES (@OwnerId, @OwnerIsStaff, @Key, @RequestHash, @TraceId, @IsBatch, @Instructions, N'processing', @AcceptedAt)
            """;
    }
}
