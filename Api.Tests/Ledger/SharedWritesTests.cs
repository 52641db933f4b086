using System.Data.Common;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Ledger;

namespace Strongroom.Api.Tests.Ledger;

/// <summary>
/// Writes of other parts of the service that ride in the ledger writer's transaction on SQLite
/// (webhook claims and outcomes, asynchronous intake): committed with the transfers of the same
/// group, and one that throws is undone alone while the group commits.
/// </summary>
public sealed class SharedWritesTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task A_shared_write_commits_with_the_transfers_of_its_group_and_one_that_throws_is_undone_alone()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        await ExecuteAsync("CREATE TABLE shared_write_probe (value TEXT NOT NULL)");
        var queue = app.Services.GetRequiredService<LedgerQueue>();
        var shared = app.Services.GetRequiredService<SharedWrites>();

        Task<int> first;
        Task<HttpResponseMessage> transfer;
        Task<int> kept;
        Task<int> thrown;
        await using (await SqliteWriteLock.AcquireAsync(app.DatabasePath))
        {
            // The first write takes the writer, which waits for the lock; the three after it queue up and make the next group together.
            first = shared.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, "first"), CancellationToken.None);
            await LedgerClient.WaitUntilAsync(() => queue.Pending == 1, TimeSpan.FromSeconds(10), "the first write reaches the writer");
            transfer = alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100), LedgerClient.NewKey());
            kept = shared.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, "kept"), CancellationToken.None);
            thrown = shared.WriteAsync<int>(async (connection, transaction) =>
            {
                await InsertAsync(connection, transaction, "undone");
                throw new InvalidOperationException("the write's own fault");
            }, CancellationToken.None);
            await LedgerClient.WaitUntilAsync(() => queue.Pending == 4, TimeSpan.FromSeconds(10), "the transfer and two writes queue behind the first");
            Assert.False(first.IsCompleted || kept.IsCompleted || thrown.IsCompleted, "A shared write completed while another process held the write lock.");
        }

        Assert.Equal(1, await first);
        Assert.Equal(HttpStatusCode.Created, (await transfer).StatusCode);
        Assert.Equal(1, await kept);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => thrown);
        Assert.Equal("the write's own fault", failure.Message);
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
        Assert.Equal(["first", "kept"], await ProbeValuesAsync());
    }

    private static async Task<int> InsertAsync(DbConnection connection, DbTransaction transaction, string value)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO shared_write_probe (value) VALUES ($value)";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "$value";
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return await command.ExecuteNonQueryAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private async Task<List<string>> ProbeValuesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM shared_write_probe ORDER BY rowid";
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
