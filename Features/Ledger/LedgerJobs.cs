using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Hosting;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Voids holds past their expiry, on every replica that serves <see cref="Modules.Transfers"/>.
/// It goes through the ledger writer like a client would, so an expiry racing a capture, a void
/// or another replica's expiry of the same hold is decided inside the writer's transaction: the
/// hold's row is read there under the write lock (SQLite: <c>BEGIN IMMEDIATE</c>, one writer in
/// the whole database; SQL Server: <c>UPDLOCK, HOLDLOCK</c> on the transfer row), and only a hold
/// still <c>pending</c> is released. The loser gets <c>hold_not_pending</c> and changes nothing,
/// so each hold is voided exactly once however many replicas run this, and no lease is needed.
/// The cost of running it on several is only a duplicated read of the due list.
/// </summary>
internal sealed partial class HoldExpiryJob(
    LedgerQueue queue, SqlDatabase database, TimeProvider time, IOptions<LedgerOptions> options, IOptions<ModulesOptions> modules,
    LedgerMetrics metrics, ILogger<HoldExpiryJob> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!modules.Value.IsEnabled(Modules.Transfers))
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.HoldExpiryInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                int expired;
                do
                {
                    expired = await ExpireDueAsync(stoppingToken);
                }
                while (expired == BatchSize && !stoppingToken.IsCancellationRequested);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(logger, exception);
            }
        }
    }

    /// <summary>Submits up to <see cref="BatchSize"/> due holds; returns how many were due, or 0 when the ledger refused any (then the next tick goes on).</summary>
    private async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        List<string> due;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            due = [.. await connection.QueryAsync<string>(database.Pick(Sqlite.Due, SqlServer.Due), new { Now = UnixMicroseconds.Now(time), Take = BatchSize })];
        }

        var outcomes = await Task.WhenAll(due.Select(id => queue.SubmitAsync(new SettleHold { TransferId = id, Action = HoldAction.Expire })));
        var voided = outcomes.Count(o => o.IsSuccess);
        if (voided > 0)
        {
            metrics.HoldsExpired(voided);
            LogExpired(logger, voided);
        }

        // The ledger shedding load (503) is not asked again at once: the next tick retries what it refused.
        return outcomes.Any(o => o.Status == StatusCodes.Status503ServiceUnavailable) ? 0 : due.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Voided {Count} expired hold(s)")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hold expiry run failed; the next run retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    private static class Sqlite
    {
        public const string Due = """
            SELECT id FROM transfers WHERE status = 'pending' AND hold_expires_at <= @Now ORDER BY hold_expires_at LIMIT @Take
            """;
    }

    private static class SqlServer
    {
        public const string Due = """
            SELECT TOP (@Take) id FROM transfers WHERE status = N'pending' AND hold_expires_at <= @Now ORDER BY hold_expires_at
            """;
    }
}

/// <summary>
/// Forgets Idempotency-Keys past their retention, a chunk at a time, on every replica that serves
/// <see cref="Modules.Transfers"/>. Safe on several at once: each run is a plain <c>DELETE</c> of
/// rows already expired, so two replicas deleting together delete each row once between them,
/// and a key still within its retention is never touched (a retried request finds it wherever
/// it lands).
/// </summary>
internal sealed partial class IdempotencyPurgeJob(
    SqlDatabase database, TimeProvider time, IOptions<LedgerOptions> options, IOptions<ModulesOptions> modules,
    ILogger<IdempotencyPurgeJob> logger) : BackgroundService
{
    private const int ChunkSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!modules.Value.IsEnabled(Modules.Transfers))
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.IdempotencyPurgeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var total = 0;
                int deleted;
                do
                {
                    using var turn = await database.WriteTurnAsync(stoppingToken);
                    await using var connection = await database.OpenAsync(stoppingToken);
                    deleted = await connection.ExecuteAsync(database.Pick(Sqlite.PurgeChunk, SqlServer.PurgeChunk), new { Now = UnixMicroseconds.Now(time), Take = ChunkSize });
                    total += deleted;
                }
                while (deleted == ChunkSize && !stoppingToken.IsCancellationRequested);

                if (total > 0)
                {
                    LogPurged(logger, total);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} expired idempotency key(s)")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Idempotency key purge failed; the next run retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    private static class Sqlite
    {
        public const string PurgeChunk = """
            DELETE FROM idempotency_keys
            WHERE (owner_id, idempotency_key) IN (SELECT owner_id, idempotency_key FROM idempotency_keys WHERE expires_at < @Now LIMIT @Take)
            """;
    }

    private static class SqlServer
    {
        public const string PurgeChunk = """
            DELETE TOP (@Take) FROM idempotency_keys WHERE expires_at < @Now
            """;
    }
}
