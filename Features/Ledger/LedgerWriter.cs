using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Takes commands off the <see cref="LedgerQueue"/> and applies them in groups, one transaction
/// per group. A transient failure (deadlock victim, lock timeout, busy database) retries the
/// whole group, never a half; a group that keeps failing is split so that one bad command cannot
/// refuse the others. On shutdown, what was accepted is still applied before the writer stops.
/// </summary>
internal sealed partial class LedgerWriter(
    LedgerQueue queue, LedgerBatch batch, SqlDatabase database, IOptions<LedgerOptions> options, ILogger<LedgerWriter> logger) : BackgroundService
{
    private const int Attempts = 5;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // SQLite has one write lock, so one writer; SQL Server's row locks let several proceed.
        var writers = database.Provider == DatabaseProvider.SqlServer ? Math.Max(1, options.Value.Writers) : 1;
        return Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(RunAsync, CancellationToken.None)));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Close();
        await base.StopAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var maxBatch = Math.Max(1, options.Value.MaxBatchSize);
        var group = new List<LedgerCommand>(maxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < maxBatch && queue.Reader.TryRead(out var command))
            {
                group.Add(command);
            }

            if (group.Count > 0)
            {
                await ApplyAsync(group, splitOnFailure: true);
            }
        }
    }

    private async Task ApplyAsync(IReadOnlyList<LedgerCommand> group, bool splitOnFailure)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcomes = await batch.ApplyAsync(group, CancellationToken.None);
                for (var i = 0; i < group.Count; i++)
                {
                    queue.Complete(group[i], outcomes[i]);
                }

                return;
            }
            catch (Exception exception) when (attempt < Attempts && IsTransient(exception))
            {
                LogRetry(logger, group.Count, attempt, exception.GetType().Name);
                await Task.Delay(TimeSpan.FromMilliseconds(10 * (1 << attempt)));
            }
            catch (Exception exception)
            {
                if (splitOnFailure && group.Count > 1)
                {
                    LogSplit(logger, group.Count, exception);
                    foreach (var command in group)
                    {
                        await ApplyAsync([command], splitOnFailure: false);
                    }

                    return;
                }

                LogFailed(logger, group.Count, exception);
                foreach (var command in group)
                {
                    queue.Complete(command, LedgerProblems.Unavailable(command.TraceId));
                }

                return;
            }
        }
    }

    private static bool IsTransient(Exception exception) => exception is DbException or TimeoutException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger group of {Count} failed on attempt {Attempt} ({Error}); retrying the whole group")]
    private static partial void LogRetry(ILogger logger, int count, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ledger group of {Count} kept failing; applying its commands one by one")]
    private static partial void LogSplit(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ledger command group of {Count} could not be applied; refused with 503")]
    private static partial void LogFailed(ILogger logger, int count, Exception exception);
}
