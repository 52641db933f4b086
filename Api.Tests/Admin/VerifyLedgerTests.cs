using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Admin;

/// <summary>
/// <c>GET /v1/admin/ledger/verify</c> against a ledger someone with database access has edited:
/// each kind of edit is named by the check it breaks, with the account, transfer or currency it
/// touched. Each case makes its own accounts, edits them, and puts the row back afterwards, so the
/// ledger verifies again before the next case.
/// </summary>
public sealed class VerifyLedgerTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Theory]
    [InlineData("balance")]
    [InlineData("entry")]
    [InlineData("transfer amount")]
    [InlineData("orphan entry")]
    [InlineData("pending debits")]
    [InlineData("pending credits")]
    [InlineData("entry sequence")]
    public async Task Each_edit_of_the_database_is_reported_by_the_check_it_breaks(string edit)
    {
        // A currency of its own per case, so the per-currency totals are this case's alone.
        var currency = Currencies[edit];
        var admin = await app.SignInAsAdminAsync();
        var (alice, payer) = await app.OpenFundedAccountAsync(admin, 1_000, currency);
        var (bob, payee) = await app.OpenFundedAccountAsync(admin, 0, currency);
        var transfer = (await (await alice.PostTransferAsync(LedgerClient.Transfer(payer, payee, 100, currency))).AssertJsonAsync(HttpStatusCode.Created)).Id();
        await (await alice.PostTransferAsync(LedgerClient.Hold(payer, payee, 50, currency: currency))).AssertJsonAsync(HttpStatusCode.Created);
        var payeeEntries = (await bob.EntriesAsync(payee)).Count;
        Assert.Equal(new Balance(900, -50, 850), await alice.BalanceAsync(payer));
        await AssertConsistentAsync(admin);

        const string Orphan = "trf_not_a_transfer_at_all_000";
        var (tamper, undo, expected) = edit switch
        {
            "balance" => (
                $"UPDATE accounts SET posted = posted + 7 WHERE id = '{payer}'",
                $"UPDATE accounts SET posted = posted - 7 WHERE id = '{payer}'",
                new[]
                {
                    new Discrepancy("currency_not_balanced", currency, "expected 0, found 7"),
                    new Discrepancy("balance_differs_from_entries", payer, "expected 907, found 900"),
                }),
            "entry" => (
                $"UPDATE entries SET amount = amount + 5 WHERE account_id = '{payee}' AND transfer_id = '{transfer}'",
                $"UPDATE entries SET amount = amount - 5 WHERE account_id = '{payee}' AND transfer_id = '{transfer}'",
                [
                    new Discrepancy("balance_differs_from_entries", payee, "expected 100, found 105"),
                    new Discrepancy("transfer_entries_not_balanced", transfer, "expected 0, found 5"),
                    new Discrepancy("posted_transfer_entries_wrong", transfer, "expected 200, found 205"),
                ]),
            "transfer amount" => (
                $"UPDATE transfers SET amount = amount + 9, captured_amount = captured_amount + 9 WHERE id = '{transfer}'",
                $"UPDATE transfers SET amount = amount - 9, captured_amount = captured_amount - 9 WHERE id = '{transfer}'",
                [new Discrepancy("posted_transfer_entries_wrong", transfer, "expected 218, found 200")]),
            "orphan entry" => (
                $"""
                INSERT INTO entries (account_id, sequence, transfer_id, amount, balance_after, created_at)
                VALUES ('{payee}', {payeeEntries + 1}, '{Orphan}', 3, 103, 0)
                """,
                $"DELETE FROM entries WHERE transfer_id = '{Orphan}'",
                [
                    new Discrepancy("balance_differs_from_entries", payee, "expected 100, found 103"),
                    new Discrepancy("transfer_entries_not_balanced", Orphan, "expected 0, found 3"),
                    new Discrepancy("entry_sequence_gap", payee, $"expected {payeeEntries}, found {payeeEntries + 1}"),
                ]),
            "pending debits" => (
                $"UPDATE accounts SET pending_debits = pending_debits + 4 WHERE id = '{payer}'",
                $"UPDATE accounts SET pending_debits = pending_debits - 4 WHERE id = '{payer}'",
                [
                    new Discrepancy("currency_pending_not_balanced", currency, "expected 54, found 50"),
                    new Discrepancy("pending_debits_differ_from_holds", payer, "expected 50, found 54"),
                ]),
            "pending credits" => (
                $"UPDATE accounts SET pending_credits = pending_credits + 4 WHERE id = '{payee}'",
                $"UPDATE accounts SET pending_credits = pending_credits - 4 WHERE id = '{payee}'",
                [
                    new Discrepancy("currency_pending_not_balanced", currency, "expected 50, found 54"),
                    new Discrepancy("pending_credits_differ_from_holds", payee, "expected 50, found 54"),
                ]),
            "entry sequence" => (
                $"UPDATE accounts SET last_sequence = last_sequence + 1 WHERE id = '{payee}'",
                $"UPDATE accounts SET last_sequence = last_sequence - 1 WHERE id = '{payee}'",
                [new Discrepancy("entry_sequence_gap", payee, $"expected {payeeEntries + 1}, found {payeeEntries}")]),
            _ => throw new ArgumentOutOfRangeException(nameof(edit), edit, "No such edit."),
        };

        JsonElement report;
        try
        {
            await ExecuteAsync(tamper);
            report = await VerifyAsync(admin);
        }
        finally
        {
            await ExecuteAsync(undo);
        }

        Assert.False(report.GetProperty("ok").GetBoolean(), report.ToString());
        var found = report.GetProperty("discrepancies").Deserialize<List<Discrepancy>>(JsonSerializerOptions.Web)!;
        Assert.Equal(expected.OrderBy(d => d.Kind, StringComparer.Ordinal), found.OrderBy(d => d.Kind, StringComparer.Ordinal));
        await AssertConsistentAsync(admin);
    }

    private static readonly Dictionary<string, string> Currencies = new()
    {
        ["balance"] = "EUR",
        ["entry"] = "USD",
        ["transfer amount"] = "GBP",
        ["orphan entry"] = "CHF",
        ["pending debits"] = "SEK",
        ["pending credits"] = "NOK",
        ["entry sequence"] = "DKK",
    };

    private sealed record Discrepancy(string Kind, string Subject, string Detail);

    /// <summary>Someone with the database file and a SQLite shell, bypassing the service.</summary>
    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        // Foreign keys are a setting of each connection; a shell can turn them off to insert an orphan.
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA foreign_keys = OFF";
            await pragma.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<JsonElement> VerifyAsync(SignedIn admin) =>
        await (await admin.Client.GetAsync("/v1/admin/ledger/verify", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);

    private static async Task AssertConsistentAsync(SignedIn admin)
    {
        var report = await VerifyAsync(admin);
        Assert.True(report.GetProperty("ok").GetBoolean(), report.ToString());
    }
}
