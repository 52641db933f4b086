using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Features.Accounts;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Takes commands off the <see cref="LedgerQueue"/> and applies them in groups, one transaction
/// per group. A transient failure (deadlock victim, lock timeout, busy database) retries the
/// whole group, never a half; a group that keeps failing is split so that one bad command cannot
/// refuse the others. A database that cannot be reached is not retried: the group is refused at
/// once (503 database_unavailable) and the queue refuses new work until the database answers.
/// After a commit, and before anyone is answered, the cached reads of every account it changed
/// are evicted on every replica. On shutdown, what was accepted is still applied before the
/// writer stops.
/// </summary>
internal sealed partial class LedgerWriter(
    LedgerQueue queue, LedgerBatch batch, SqlDatabase database, DatabaseAvailability availability, AccountCache accounts,
    IOptions<LedgerOptions> options, ILogger<LedgerWriter> logger) : BackgroundService
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
                var result = await batch.ApplyAsync(group, CancellationToken.None);
                // Read-your-writes: a client answered below already reads the new balances here,
                // and on other replicas as soon as the backplane delivers the eviction.
                await EvictAsync(result.ChangedAccounts);
                for (var i = 0; i < group.Count; i++)
                {
                    queue.Complete(group[i], result.Outcomes[i]);
                }

                return;
            }
            catch (Exception exception) when (DatabaseUnavailableException.IsUnavailable(exception))
            {
                availability.ReportUnavailable();
                LogUnavailable(logger, group.Count, exception.GetType().Name);
                foreach (var command in group)
                {
                    queue.Complete(command, LedgerProblems.DatabaseUnavailable(command.TraceId));
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

    private async Task EvictAsync(IReadOnlyList<LedgerBatch.AccountState> changed)
    {
        try
        {
            foreach (var account in changed)
            {
                await accounts.EvictAsync(account.Id, account.OwnerId);
            }
        }
        catch (Exception exception)
        {
            // Committed is committed: a failed eviction leaves a read stale for at most Cache:Duration.
            LogEvictionFailed(logger, changed.Count, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger group of {Count} refused with 503: the database is unavailable ({Error})")]
    private static partial void LogUnavailable(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evicting the cached reads of {Count} changed account(s) failed")]
    private static partial void LogEvictionFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger group of {Count} failed on attempt {Attempt} ({Error}); retrying the whole group")]
    private static partial void LogRetry(ILogger logger, int count, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ledger group of {Count} kept failing; applying its commands one by one")]
    private static partial void LogSplit(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ledger command group of {Count} could not be applied; refused with 503")]
    private static partial void LogFailed(ILogger logger, int count, Exception exception);
}
