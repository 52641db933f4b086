using System.Data.Common;
using System.Runtime.ExceptionServices;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Writes of other parts of the service (webhook claims and outcomes, asynchronous intake) that
/// ride in the ledger writer's next transaction on SQLite, and have their own transaction on SQL
/// Server. SQLite has one write lock and every commit costs an fsync: a second writer in the
/// process would take the lock in turns with the ledger writer (see
/// <see cref="SqlDatabase.WriteTurnAsync"/>), adding its own fsync to every turn and making
/// transfers wait behind it. Here it shares the ledger group's transaction and fsync instead, so
/// it costs the ledger only its statements, and is committed exactly when the group is.
/// </summary>
/// <remarks>
/// A write runs inside a savepoint after the group's commands are decided and before their rows
/// are written: one that throws is rolled back alone and its caller gets the exception, while
/// the group commits. A group that fails as a whole (busy, disk full, past its deadline) fails
/// the write too, and a retried group runs it again from the start, so a write must keep no
/// state of its own between runs (its result is taken from the run that committed). A write must
/// not submit to the ledger or take a write turn itself: it runs inside the writer's.
/// </remarks>
public sealed class SharedWrites(LedgerQueue queue, SqlDatabase database)
{
    /// <summary>Runs <paramref name="write"/> in a committed transaction and returns its result; throws what it threw, or why its transaction did not commit.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        if (database.Provider == DatabaseProvider.SqlServer)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await write(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }

        var command = new SharedWrite<T>(write);
        var outcome = await queue.SubmitSharedAsync(command);
        if (command.Failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return outcome.IsSuccess ? command.Result! : throw NotCommitted(outcome);
    }

    private static Exception NotCommitted(LedgerOutcome outcome)
    {
        var refused = new SharedWriteRefusedException(outcome);
        return outcome.Code == "database_unavailable" ? new DatabaseUnavailableException(refused) : refused;
    }
}

/// <summary>The ledger writer's transaction that was to carry a shared write did not commit (the outcome says why: busy, past its deadline, unavailable).</summary>
public sealed class SharedWriteRefusedException(LedgerOutcome outcome)
    : Exception($"The ledger writer did not commit the shared write ({outcome.Status} {outcome.Code}).")
{
    public LedgerOutcome Outcome { get; } = outcome;
}

/// <summary>A write that rides in the ledger writer's transaction (<see cref="SharedWrites"/>): not a movement of money, so nothing the rules decide.</summary>
internal abstract class SharedWrite() : LedgerCommand(origin: null)
{
    /// <summary>What the writer answers a shared write whose transaction committed with it.</summary>
    public static readonly LedgerOutcome Done = new(StatusCodes.Status200OK, "");

    private static readonly LedgerOutcome Failed = new(StatusCodes.Status500InternalServerError, "", Code: "shared_write_failed");

    /// <summary>What the last run threw (it was rolled back to its savepoint; the group went on).</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Runs the write inside a savepoint of the writer's transaction.</summary>
    public async Task<LedgerOutcome> RunAsync(DbConnection connection, DbTransaction transaction)
    {
        Failure = null;
        await transaction.SaveAsync(Savepoint);
        try
        {
            await WriteAsync(connection, transaction);
            await transaction.ReleaseAsync(Savepoint);
            return Done;
        }
        catch (Exception exception) when (!DatabaseUnavailableException.IsUnavailable(exception) && !DatabaseUnavailableException.IsBusy(exception))
        {
            // Its own fault (a constraint, a bug): undone alone. Anything that says the database or
            // the transaction is in trouble fails the whole group instead, and its ordinary handling.
            await transaction.RollbackAsync(Savepoint);
            await transaction.ReleaseAsync(Savepoint);
            Failure = exception;
            return Failed;
        }
    }

    protected abstract Task WriteAsync(DbConnection connection, DbTransaction transaction);

    private const string Savepoint = "shared_write";
}

internal sealed class SharedWrite<T>(Func<DbConnection, DbTransaction, Task<T>> write) : SharedWrite
{
    /// <summary>The result of the last run: the one that committed, once the writer has answered.</summary>
    public T? Result { get; private set; }

    protected override async Task WriteAsync(DbConnection connection, DbTransaction transaction) => Result = await write(connection, transaction);
}
