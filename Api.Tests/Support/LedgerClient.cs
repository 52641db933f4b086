using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Strongroom.Api.Tests.Support;

/// <summary>What an account's balance looks like to a client: <c>balance: {posted, pending, available}</c>.</summary>
public sealed record Balance(long Posted, long Pending, long Available);

/// <summary>One item of <c>GET /v1/accounts/{id}/entries</c>.</summary>
public sealed record LedgerEntry(long Sequence, string TransferId, long Amount, long BalanceAfter, string? Description, DateTimeOffset CreatedAt);

/// <summary>One row of <c>GET /v1/admin/ledger/balances</c>.</summary>
public sealed record LedgerBalance(string AccountId, string? OwnerId, string Kind, string Currency, long Posted, long PendingDebits, long PendingCredits);

/// <summary>
/// The ledger calls tests keep repeating: open and fund accounts, move money with an
/// <c>Idempotency-Key</c>, read balances and entries. Each is one HTTP call a client could make.
/// </summary>
public static class LedgerClient
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public const string ReplayedHeader = "Idempotency-Replayed";

    public static string NewKey() => $"test-{Guid.NewGuid():N}";

    /// <summary>The body of a plain (posted) <c>POST /v1/transfers</c>.</summary>
    public static object Transfer(string fromAccountId, string toAccountId, long amount, string currency = "EUR") =>
        new { fromAccountId, toAccountId, amount, currency };

    /// <summary>The body of a hold: <c>hold: true</c>, with <c>holdExpiresAt</c> only when given.</summary>
    public static object Hold(string fromAccountId, string toAccountId, long amount, DateTimeOffset? holdExpiresAt = null, string currency = "EUR") =>
        holdExpiresAt is { } expiresAt
            ? new { fromAccountId, toAccountId, amount, currency, hold = true, holdExpiresAt = expiresAt }
            : new { fromAccountId, toAccountId, amount, currency, hold = true };

    /// <summary>POSTs <paramref name="body"/> as JSON (no body when null), with the key when one is given.</summary>
    public static Task<HttpResponseMessage> PostWithKeyAsync(this HttpClient client, string path, object? body, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, idempotencyKey);
        }

        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> PostTransferAsync(this SignedIn caller, object body, string? idempotencyKey = null) =>
        caller.Client.PostWithKeyAsync("/v1/transfers", body, idempotencyKey ?? NewKey());

    public static Task<HttpResponseMessage> PostBatchAsync(this SignedIn caller, IEnumerable<object> transfers, string? idempotencyKey = null) =>
        caller.Client.PostWithKeyAsync("/v1/transfers/batch", new { transfers }, idempotencyKey ?? NewKey());

    /// <summary>Captures a hold: the full amount when <paramref name="amount"/> is null.</summary>
    public static Task<HttpResponseMessage> CaptureAsync(this SignedIn caller, string transferId, long? amount = null, string? idempotencyKey = null) =>
        caller.Client.PostWithKeyAsync($"/v1/transfers/{transferId}/capture", amount is { } value ? new { amount = value } : new { }, idempotencyKey ?? NewKey());

    public static Task<HttpResponseMessage> VoidAsync(this SignedIn caller, string transferId, string? idempotencyKey = null) =>
        caller.Client.PostWithKeyAsync($"/v1/transfers/{transferId}/void", body: null, idempotencyKey ?? NewKey());

    /// <summary><c>POST /v1/transfers/{id}/reverse</c>: all that is left when <paramref name="amount"/> is null.</summary>
    public static Task<HttpResponseMessage> ReverseAsync(this SignedIn caller, string transferId, long? amount = null, string? description = null, string? idempotencyKey = null) =>
        caller.Client.PostWithKeyAsync($"/v1/transfers/{transferId}/reverse", new { amount, description }, idempotencyKey ?? NewKey());

    public static Task<HttpResponseMessage> GetTransferAsync(this SignedIn caller, string transferId) =>
        caller.Client.GetAsync($"/v1/transfers/{transferId}", TestContext.Current.CancellationToken);

    /// <summary>Opens an account for the signed-in <paramref name="owner"/>; returns its id.</summary>
    public static async Task<string> OpenAccountAsync(this SignedIn owner, string currency = "EUR", string name = "Main")
    {
        var response = await owner.Client.PostJsonAsync("/v1/accounts", new { currency, name });
        return (await response.AssertJsonAsync(HttpStatusCode.Created)).Id();
    }

    /// <summary>A deposit by staff (settlement to <paramref name="accountId"/>) that must succeed; returns the transfer.</summary>
    public static async Task<JsonElement> DepositAsync(this SignedIn staff, string accountId, long amount, string currency = "EUR")
    {
        var response = await staff.Client.PostWithKeyAsync("/v1/deposits", new { accountId, amount, currency }, NewKey());
        return await response.AssertJsonAsync(HttpStatusCode.Created);
    }

    /// <summary>A new customer with one account holding <paramref name="amount"/> (deposited by <paramref name="staff"/>).</summary>
    public static async Task<(SignedIn Owner, string AccountId)> OpenFundedAccountAsync(this StrongroomApp app, SignedIn staff, long amount, string currency = "EUR")
    {
        var owner = await app.RegisterAndSignInAsync();
        var accountId = await owner.OpenAccountAsync(currency);
        if (amount > 0)
        {
            await staff.DepositAsync(accountId, amount, currency);
        }

        return (owner, accountId);
    }

    public static async Task<JsonElement> AccountAsync(this SignedIn reader, string accountId) =>
        await (await reader.Client.GetAsync($"/v1/accounts/{accountId}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);

    public static async Task<Balance> BalanceAsync(this SignedIn reader, string accountId)
    {
        var balance = (await reader.AccountAsync(accountId)).GetProperty("balance");
        return new Balance(balance.GetProperty("posted").GetInt64(), balance.GetProperty("pending").GetInt64(), balance.GetProperty("available").GetInt64());
    }

    /// <summary>Every entry of the account, newest first, following <c>nextCursor</c> to the end.</summary>
    public static async Task<List<LedgerEntry>> EntriesAsync(this SignedIn reader, string accountId)
    {
        var entries = new List<LedgerEntry>();
        string? cursor = null;
        for (var pages = 0; pages < 1_000; pages++)
        {
            var query = cursor is null ? "limit=100" : $"limit=100&cursor={Uri.EscapeDataString(cursor)}";
            var page = await (await reader.Client.GetAsync($"/v1/accounts/{accountId}/entries?{query}", TestContext.Current.CancellationToken))
                .AssertJsonAsync(HttpStatusCode.OK);
            entries.AddRange(page.GetProperty("items").Deserialize<List<LedgerEntry>>(JsonSerializerOptions.Web)!);
            cursor = page.GetProperty("nextCursor").GetString();
            if (cursor is null)
            {
                return entries;
            }
        }

        throw new InvalidOperationException($"Entries of {accountId} did not end after 1000 pages.");
    }

    /// <summary><c>GET /v1/admin/ledger/balances</c> (admin only): one snapshot of every account.</summary>
    public static async Task<List<LedgerBalance>> BalancesSnapshotAsync(this SignedIn admin)
    {
        var response = await admin.Client.GetAsync("/v1/admin/ledger/balances", TestContext.Current.CancellationToken);
        return (await response.AssertJsonAsync(HttpStatusCode.OK)).Deserialize<List<LedgerBalance>>(JsonSerializerOptions.Web)!;
    }

    /// <summary><c>POST /v1/admin/accounts/{id}/{action}</c>: freeze, unfreeze or close.</summary>
    public static Task<HttpResponseMessage> AccountActionAsync(this SignedIn staff, string accountId, string action) =>
        staff.Client.PostAsync($"/v1/admin/accounts/{accountId}/{action}", content: null, TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> SetOverdraftLimitAsync(this SignedIn staff, string accountId, long limit) =>
        staff.Client.PutAsJsonAsync($"/v1/admin/accounts/{accountId}/overdraft-limit", new { limit }, TestContext.Current.CancellationToken);

    public static string Id(this JsonElement resource) => resource.GetProperty("id").GetString()!;

    public static string Status(this JsonElement transfer) => transfer.GetProperty("status").GetString()!;

    public static bool IsReplayed(this HttpResponseMessage response) =>
        response.Headers.TryGetValues(ReplayedHeader, out var values) && values.Contains("true", StringComparer.OrdinalIgnoreCase);

    public static Task<string> BodyAsync(this HttpResponseMessage response) =>
        response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails once <paramref name="deadline"/> has passed.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(elapsed.Elapsed < deadline, $"Gave up after {deadline.TotalSeconds:0.#} s waiting until {what}.");
            await Task.Delay(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan deadline, string what) =>
        WaitUntilAsync(() => Task.FromResult(condition()), deadline, what);
}

/// <summary>
/// Holds SQLite's write lock (<c>BEGIN IMMEDIATE</c> on a connection of our own) until disposed, so
/// ledger commands stay in flight for exactly as long as a test needs.
/// </summary>
public sealed class SqliteWriteLock : IAsyncDisposable
{
    private readonly SqliteConnection _connection;

    private SqliteWriteLock(SqliteConnection connection) => _connection = connection;

    public static async Task<SqliteWriteLock> AcquireAsync(string databasePath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await ExecuteAsync(connection, "BEGIN IMMEDIATE");
        return new SqliteWriteLock(connection);
    }

    public async ValueTask DisposeAsync()
    {
        await ExecuteAsync(_connection, "ROLLBACK");
        await _connection.DisposeAsync();
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
