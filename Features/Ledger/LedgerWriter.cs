using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Hosting;
using Strongroom.Infrastructure.Telemetry;

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
/// <remarks>
/// No command waits past its deadline (<c>Ledger:MaxWriterWait</c> from admission), whatever the
/// retries and splits: one taken off the queue past it, or still not committed when it passes,
/// is answered 503 ledger_busy and was never applied, and each attempt waits for locks no longer
/// than the earliest deadline of its group (<see cref="LedgerBatch.ApplyAsync"/>). The one
/// exception is a COMMIT whose outcome is unknown (SQL Server's connection broke during it):
/// answering 503 could then deny a movement that happened, so the group is retried, which reads
/// the stored Idempotency-Keys and answers exactly, for up to another MaxWriterWait.
/// Every commit's timing goes to the queue's <see cref="LedgerPace"/>, which admits by it; the
/// writer tells it a group has ended before answering anyone, so that a client's next request
/// never finds the writer still "in flight" on the group that answered it.
/// Each group is one span, <c>ledger.commit</c>, linked to the span of every request it answers.
/// </remarks>
internal sealed partial class LedgerWriter(
    LedgerQueue queue, LedgerBatch batch, DatabaseAvailability availability, AccountCache accounts, TimeProvider time,
    IOptions<LedgerOptions> options, LedgerMetrics metrics, EventSignal events, ILogger<LedgerWriter> logger) : BackgroundService
{
    private const int Attempts = 5;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, queue.Pace.Writers).Select(writer => DedicatedThread.Run(
            $"Ledger writer {writer}", options.Value.WriterNiceness, () => RunAsync(writer),
            errno => LogPriorityRefused(logger, writer, options.Value.WriterNiceness, errno))));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Close();
        await base.StopAsync(cancellationToken);
    }

    private async Task RunAsync(int writer)
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
                try
                {
                    await ApplyAsync(writer, group, splitOnFailure: true);
                }
                finally
                {
                    queue.Pace.GroupEnded(writer);
                }
            }
        }
    }

    private async Task ApplyAsync(int writer, IReadOnlyList<LedgerCommand> commands, bool splitOnFailure)
    {
        var group = commands;
        using var span = StartCommitSpan(group);
        var shared = group.Count(command => command is SharedWrite);
        queue.Pace.GroupStarted(writer, group.Count - shared, shared);
        long? resolveBy = null;
        for (var attempt = 1; ; attempt++)
        {
            if (resolveBy is null)
            {
                group = AnswerPastDeadline(writer, group);
                if (group.Count == 0)
                {
                    return;
                }
            }

            var deadline = resolveBy ?? group.Min(command => command.Deadline);
            try
            {
                var result = await batch.ApplyAsync(group, deadline);
                queue.Pace.Committed(group.Count - result.Shared, result.Work, result.Commit, result.Shared, result.SharedTime);
                metrics.Committed(group.Count, result.Work);
                queue.Pace.GroupEnded(writer);
                // Read-your-writes: a client answered below already reads the new balances here,
                // and on other replicas as soon as the backplane delivers the eviction.
                await EvictAsync(result.ChangedAccounts);
                if (result.WroteEvents)
                {
                    events.Notify();
                }

                for (var i = 0; i < group.Count; i++)
                {
                    queue.Complete(group[i], result.Outcomes[i]);
                }

                return;
            }
            catch (Exception exception) when (DatabaseUnavailableException.IsUnavailable(exception))
            {
                availability.ReportUnavailable();
                span?.SetStatus(ActivityStatusCode.Error, "database_unavailable");
                LogUnavailable(logger, group.Count, exception.GetType().Name);
                queue.Pace.GroupEnded(writer);
                foreach (var command in group)
                {
                    queue.Complete(command, resolveBy is null ? LedgerProblems.DatabaseUnavailable(command.TraceId) : LedgerProblems.OutcomeUnknown(command.TraceId));
                }

                return;
            }
            catch (Exception exception) when (attempt < Attempts && (exception is LedgerStore.CommitOutcomeUnknownException || IsTransient(exception)))
            {
                if (exception is LedgerStore.CommitOutcomeUnknownException && resolveBy is null)
                {
                    resolveBy = time.GetTimestamp() + (long)(options.Value.MaxWriterWait.TotalSeconds * time.TimestampFrequency);
                }

                LogRetry(logger, group.Count, attempt, exception.GetType().Name);
                var backoff = TimeSpan.FromMilliseconds(10 * (1 << attempt));
                var left = time.GetElapsedTime(time.GetTimestamp(), resolveBy ?? group.Min(command => command.Deadline));
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(backoff < left ? backoff : left, time);
                }
                else if (DatabaseUnavailableException.IsBusy(exception))
                {
                    // Locked for a whole MaxWriterWait: writes cannot succeed, so /health/ready says so
                    // and writes are refused at once until a probe write commits.
                    availability.ReportUnavailable();
                }
            }
            catch (Exception exception)
            {
                if (resolveBy is not null || exception is LedgerStore.CommitOutcomeUnknownException)
                {
                    span?.SetStatus(ActivityStatusCode.Error, "outcome_unknown");
                    LogOutcomeUnknown(logger, group.Count, exception);
                    queue.Pace.GroupEnded(writer);
                    foreach (var command in group)
                    {
                        queue.Complete(command, LedgerProblems.OutcomeUnknown(command.TraceId));
                    }

                    return;
                }

                if (splitOnFailure && group.Count > 1)
                {
                    LogSplit(logger, group.Count, exception);
                    foreach (var command in group)
                    {
                        await ApplyAsync(writer, [command], splitOnFailure: false);
                    }

                    return;
                }

                span?.SetStatus(ActivityStatusCode.Error, "ledger_unavailable");
                LogFailed(logger, group.Count, exception);
                queue.Pace.GroupEnded(writer);
                foreach (var command in group)
                {
                    queue.Complete(command, queue.IsPastDeadline(command) ? LedgerProblems.Busy(command.TraceId) : LedgerProblems.Unavailable(command.TraceId));
                }

                return;
            }
        }
    }

    /// <summary>Answers 503 ledger_busy to every command past its deadline (none of them applied); returns the others.</summary>
    private IReadOnlyList<LedgerCommand> AnswerPastDeadline(int writer, IReadOnlyList<LedgerCommand> group)
    {
        if (group.All(queue.IsPastDeadline))
        {
            // Nothing left to do: not in flight any more by the time anyone hears so.
            queue.Pace.GroupEnded(writer);
        }

        List<LedgerCommand>? live = null;
        for (var i = 0; i < group.Count; i++)
        {
            if (queue.IsPastDeadline(group[i]))
            {
                live ??= [.. group.Take(i)];
                queue.Complete(group[i], LedgerProblems.Busy(group[i].TraceId));
            }
            else
            {
                live?.Add(group[i]);
            }
        }

        if (live is not null)
        {
            LogPastDeadline(logger, group.Count - live.Count);
        }

        return live ?? group;
    }

    /// <summary>
    /// The group's span, linked to the request span each command was made in; null (and no links
    /// built) when nothing listens. A root span, since a group answers many requests and none is its
    /// parent; the one-by-one retries of a group that kept failing are its children.
    /// </summary>
    private static Activity? StartCommitSpan(IReadOnlyList<LedgerCommand> group)
    {
        if (!StrongroomTelemetry.Source.HasListeners())
        {
            return null;
        }

        var links = new List<ActivityLink>(group.Count);
        foreach (var command in group)
        {
            if (command.RequestContext != default)
            {
                links.Add(new ActivityLink(command.RequestContext));
            }
        }

        var span = StrongroomTelemetry.Source.StartActivity("ledger.commit", ActivityKind.Internal, parentContext: default, links: links);
        span?.SetTag("strongroom.ledger.group_size", group.Count);
        return span;
    }

    private static bool IsTransient(Exception exception) => exception is DbException or TimeoutException;

    private async Task EvictAsync(IReadOnlyList<AccountState> changed)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Ledger writer {Writer} could not be given nice {Niceness} (errno {Errno}; lowering a nice value needs CAP_SYS_NICE): it runs at the process's priority")]
    private static partial void LogPriorityRefused(ILogger logger, int writer, int niceness, int errno);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger group of {Count} refused with 503: the database is unavailable ({Error})")]
    private static partial void LogUnavailable(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evicting the cached reads of {Count} changed account(s) failed")]
    private static partial void LogEvictionFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger group of {Count} failed on attempt {Attempt} ({Error}); retrying the whole group")]
    private static partial void LogRetry(ILogger logger, int count, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ledger group of {Count} kept failing; applying its commands one by one")]
    private static partial void LogSplit(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} ledger command(s) reached their deadline (Ledger:MaxWriterWait) before they could be applied; refused with 503 ledger_busy")]
    private static partial void LogPastDeadline(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ledger group of {Count}: COMMIT failed and retrying could not tell whether it had committed; answered 503, the Idempotency-Key answers exactly")]
    private static partial void LogOutcomeUnknown(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ledger command group of {Count} could not be applied; refused with 503")]
    private static partial void LogFailed(ILogger logger, int count, Exception exception);
}
