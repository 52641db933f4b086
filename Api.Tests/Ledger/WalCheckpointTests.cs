using System.Net;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Ledger;

/// <summary>
/// Committed transfers reach the database file itself soon after they are answered, not only the
/// write-ahead log: a checkpoint runs off the writer's path every fraction of a second while money
/// moves, instead of inside the one commit in a thousand pages that SQLite would otherwise make
/// wait for it. A copy of the main file alone (what a file-level backup that forgets the -wal
/// file would hold) shows them within seconds; with SQLite's default it would not for a long time.
/// </summary>
public sealed class WalCheckpointTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task Answered_transfers_reach_the_main_database_file_without_waiting_for_a_thousand_pages_of_log()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var bobs = await app.RegisterAndSignInAsync();
        var to = await bobs.OpenAccountAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var response = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 10));
            ids.Add((await response.AssertJsonAsync(HttpStatusCode.Created)).Id());
        }

        await LedgerClient.WaitUntilAsync(() => TransfersInMainFileOnly(ids) == ids.Count, TimeSpan.FromSeconds(10),
            "the five answered transfers are in the database file without its log");
    }

    /// <summary>How many of <paramref name="ids"/> a copy of the main database file, without its -wal, holds.</summary>
    private int TransfersInMainFileOnly(List<string> ids)
    {
        var copy = Path.Combine(app.Directory, $"main-only-{Guid.NewGuid():N}.db");
        try
        {
            File.Copy(app.DatabasePath, copy);
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM transfers WHERE id IN (SELECT value FROM json_each($ids))";
            command.Parameters.AddWithValue("$ids", System.Text.Json.JsonSerializer.Serialize(ids));
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            // Copied in the middle of a checkpoint's writes: not there yet.
            return -1;
        }
        finally
        {
            foreach (var file in new[] { copy, copy + "-wal", copy + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
