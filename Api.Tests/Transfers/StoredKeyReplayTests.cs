using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

/// <summary>
/// An Idempotency-Key is remembered with a hash of the operation and the request. A key stored by an
/// earlier version of the service, written here into the database as that version wrote it, must
/// still replay: a client retrying across an upgrade sees what happened, not idempotency_key_reused.
/// </summary>
public sealed class StoredKeyReplayTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    /// <summary>A transfer as the earlier version answered it, told apart by its id and description: nothing this run wrote itself.</summary>
    private const string StoredTransfer = """{"id":"trf_stored_before_the_upgrade","fromAccountId":"acc_a","toAccountId":"acc_b","amount":250,"currency":"EUR","status":"posted","capturedAmount":250,"description":"replayed from the row","metadata":null,"holdExpiresAt":null,"createdAt":"2026-01-01T00:00:00+00:00"}""";

    [Theory]
    [InlineData("CreateTransfer")]
    [InlineData("CreateTransferBatch")]
    [InlineData("CaptureHold")]
    [InlineData("VoidHold")]
    [InlineData("Deposit")]
    [InlineData("Withdraw")]
    public async Task A_key_stored_by_the_previous_version_replays(string endpoint)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);
        var transfer = $$"""{"fromAccountId":"{{from}}","toAccountId":"{{to}}","amount":250,"currency":"EUR","description":null,"metadata":null,"hold":false,"holdExpiresAt":null}""";
        var external = $$"""{"accountId":"{{from}}","amount":100,"currency":"EUR","description":null}""";
        // The operation and canonical request each endpoint hashed before the operation was derived from its route.
        var (caller, path, body, operation, canonical, status) = endpoint switch
        {
            "CreateTransfer" => (alice, "/v1/transfers", LedgerClient.Transfer(from, to, 250), "POST /v1/transfers", transfer, HttpStatusCode.Created),
            "CreateTransferBatch" => (alice, "/v1/transfers/batch", new { transfers = new[] { LedgerClient.Transfer(from, to, 250) } },
                "POST /v1/transfers/batch", $$"""{"transfers":[{{transfer}}]}""", HttpStatusCode.Created),
            "CaptureHold" => (alice, $"/v1/transfers/{hold.Id()}/capture", new { amount = 200L }, $"POST /v1/transfers/{hold.Id()}/Capture", """{"amount":200}""", HttpStatusCode.OK),
            "VoidHold" => (alice, $"/v1/transfers/{hold.Id()}/void", null, $"POST /v1/transfers/{hold.Id()}/Void", """{"amount":null}""", HttpStatusCode.OK),
            "Deposit" => (admin, "/v1/deposits", new { accountId = from, amount = 100L, currency = "EUR" }, "POST Deposit", external, HttpStatusCode.Created),
            "Withdraw" => (admin, "/v1/withdrawals", new { accountId = from, amount = 100L, currency = "EUR" }, "POST Withdrawal", external, HttpStatusCode.Created),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };
        var key = LedgerClient.NewKey();
        var storedBody = endpoint == "CreateTransferBatch" ? $$"""{"transfers":[{{StoredTransfer}}]}""" : StoredTransfer;
        await StoreKeyAsync(caller.UserId, key, Sha256Hex($"{operation}\n{canonical}"), (int)status, storedBody);

        var retried = await caller.Client.PostWithKeyAsync(path, body, key);

        Assert.Equal(status, retried.StatusCode);
        Assert.True(retried.IsReplayed(), $"Expected {LedgerClient.ReplayedHeader}: true; got {(int)retried.StatusCode} {await retried.BodyAsync()}");
        Assert.Equal(storedBody, await retried.BodyAsync());
        // Replayed, not applied: the hold is as it was and no money moved.
        Assert.Equal(new Balance(1_000, -300, 700), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 300, 0), await bob.BalanceAsync(to));
        Assert.Equal("pending", (await (await alice.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
    }

    [Fact]
    public async Task A_key_used_to_capture_a_hold_in_full_is_not_taken_for_a_void_of_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);
        var key = LedgerClient.NewKey();

        var captured = await alice.Client.PostWithKeyAsync($"/v1/transfers/{hold.Id()}/capture", body: null, key);
        var voided = await alice.VoidAsync(hold.Id(), key);

        Assert.Equal("posted", (await captured.AssertJsonAsync(HttpStatusCode.OK)).Status());
        await voided.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(new Balance(700, 0, 700), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(300, 0, 300), await bob.BalanceAsync(to));
    }

    private async Task StoreKeyAsync(string ownerId, string key, string requestHash, int status, string responseBody)
    {
        var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO idempotency_keys (owner_id, idempotency_key, request_hash, response_status, response_body, created_at, expires_at)
            VALUES ($owner, $key, $hash, $status, $body, $now, $expires)
            """;
        command.Parameters.AddWithValue("$owner", ownerId);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$hash", requestHash);
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$body", responseBody);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$expires", now + TimeSpan.FromDays(1).Ticks / TimeSpan.TicksPerMicrosecond);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
