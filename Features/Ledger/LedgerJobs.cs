using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Voids holds past their expiry. It goes through the ledger writer like a client would, so an
/// expiry racing a capture or void is decided under the same locks: exactly one wins. Safe on
/// several replicas at once for the same reason.
/// </summary>
internal sealed partial class HoldExpiryJob(
    LedgerQueue queue, SqlDatabase database, TimeProvider time, IOptions<LedgerOptions> options, ILogger<HoldExpiryJob> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
            LogExpired(logger, voided);
        }

        return due.Count;
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

/// <summary>Forgets Idempotency-Keys past their retention, a chunk at a time. Idempotent, so safe on every replica.</summary>
internal sealed partial class IdempotencyPurgeJob(
    SqlDatabase database, TimeProvider time, IOptions<LedgerOptions> options, ILogger<IdempotencyPurgeJob> logger) : BackgroundService
{
    private const int ChunkSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.IdempotencyPurgeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var total = 0;
                int deleted;
                do
                {
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
