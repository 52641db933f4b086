using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Hosting;

namespace Strongroom.Features.Events;

/// <summary>
/// Deletes events past <see cref="EventsOptions.Retention"/> with their audience rows, a bounded
/// chunk per transaction, on every replica that serves <see cref="Modules.Events"/>. A chunk is
/// the oldest expired events up to a sequence, so it never leaves an audience row without its
/// event; two replicas purging together delete each row once between them. Sequences follow
/// commit order and a transaction stamps its events with its own start time, so an event purged
/// with its chunk is at most one transaction's duration younger than the cut.
/// </summary>
internal sealed partial class EventPurgeJob(
    SqlDatabase database, TimeProvider time, IOptions<EventsOptions> options, IOptions<ModulesOptions> modules, ILogger<EventPurgeJob> logger) : BackgroundService
{
    private const int ChunkSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!modules.Value.IsEnabled(Modules.Events))
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.PurgeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var total = 0;
                int deleted;
                do
                {
                    deleted = await PurgeChunkAsync(stoppingToken);
                    total += deleted;
                }
                while (deleted > 0 && !stoppingToken.IsCancellationRequested);

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

    /// <summary>Deletes up to <see cref="ChunkSize"/> of the oldest expired events and their audience in one transaction; returns how many events.</summary>
    private async Task<int> PurgeChunkAsync(CancellationToken cancellationToken)
    {
        var before = UnixMicroseconds.Now(time) - (long)(options.Value.Retention.Ticks / TimeSpan.TicksPerMicrosecond);
        using var turn = await database.WriteTurnAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var upTo = await connection.ExecuteScalarAsync<long?>(database.Pick(Sqlite.LastExpired, SqlServer.LastExpired), new { Before = before, Take = ChunkSize }, transaction);
        if (upTo is not { } last)
        {
            return 0;
        }

        await connection.ExecuteAsync(Sql.PurgeAudience, new { UpTo = last }, transaction);
        var deleted = await connection.ExecuteAsync(Sql.PurgeEvents, new { UpTo = last }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} event(s) past their retention")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event purge failed; the next run retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    private static class Sql
    {
        public const string PurgeAudience = """
            DELETE FROM event_audience WHERE sequence <= @UpTo
            """;

        public const string PurgeEvents = """
            DELETE FROM events WHERE sequence <= @UpTo
            """;
    }

    private static class Sqlite
    {
        public const string LastExpired = """
            SELECT MAX(sequence) FROM (SELECT sequence FROM events WHERE created_at < @Before ORDER BY sequence LIMIT @Take)
            """;
    }

    private static class SqlServer
    {
        public const string LastExpired = """
            SELECT MAX(sequence) FROM (SELECT TOP (@Take) sequence FROM events WHERE created_at < @Before ORDER BY sequence) AS chunk
            """;
    }
}
