using System.Diagnostics;
using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Database;

/// <summary>
/// A database that is locked by another process: every write endpoint answers 503 with
/// <c>Retry-After</c> (never a 500), <c>/health/ready</c> is unhealthy while no write can succeed,
/// and the service recovers by itself once the lock is released, with nothing lost or half-done.
/// </summary>
public sealed class BusyDatabaseTests(AppWithShortLockWait app) : IClassFixture<AppWithShortLockWait>
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_held_write_lock_gives_503s_and_an_unready_service_until_it_is_released()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 5_000);
        var client = app.CreateClient();

        await using (await SqliteWriteLock.AcquireAsync(app.DatabasePath))
        {
            var open = await alice.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "while locked" });
            await AssertRetryLaterAsync(open);
            await LedgerClient.WaitUntilAsync(async () => (await client.GetAsync("/health/ready", Cancel)).StatusCode == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(10), "/health/ready to report the locked database");

            var started = Stopwatch.StartNew();
            await AssertRetryLaterAsync(await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = 100, currency = "EUR" }, LedgerClient.NewKey()));
            await AssertRetryLaterAsync(await alice.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "again" }));
            await AssertRetryLaterAsync(await app.CreateClient().PostJsonAsync("/v1/auth/register", new { email = $"locked-{Guid.NewGuid():N}@strongroom.test", password = "correct horse battery", fullName = "Locked" }));
            // Known to be down: refused at once, not after another lock wait.
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(2), $"Refusals took {started.Elapsed}");
            // Reads go on.
            Assert.Equal(new Balance(5_000, 0, 5_000), await alice.BalanceAsync(account));
        }

        await LedgerClient.WaitUntilAsync(async () => (await client.GetAsync("/health/ready", Cancel)).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "/health/ready to recover once the lock is released");
        await admin.DepositAsync(account, 100);
        var accounts = await (await alice.Client.GetAsync("/v1/accounts", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Single(accounts.GetProperty("items").EnumerateArray());
        Assert.Equal(new Balance(5_100, 0, 5_100), await alice.BalanceAsync(account));
        var verify = await (await admin.Client.GetAsync("/v1/admin/ledger/verify", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }

    internal static async Task AssertRetryLaterAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"Expected 503, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Matches("^(database_unavailable|database_busy|ledger_busy|ledger_unavailable)$", System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}

/// <summary>
/// The disk under the database fills up: writes answer 503 with <c>Retry-After</c> on every write
/// endpoint, <c>/health/ready</c> is unhealthy, reads go on, and once space returns the service
/// takes writes again by itself; everything acknowledged before is still there.
/// </summary>
[Trait("Category", "External")]
public sealed class DiskFullTests(AppOnSmallDisk app) : IClassFixture<AppOnSmallDisk>
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_full_disk_gives_503s_and_an_unready_service_and_recovers_when_space_returns()
    {
        app.SkipIfUnavailable();
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 5_000);
        var client = app.CreateClient();
        var filler = app.Disk.Fill();

        // SQLite may still have room in pages it already owns; keep writing until the disk says no.
        var opened = 0;
        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 500 && refused is null; attempt++)
        {
            var response = await alice.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = $"pot {attempt}" });
            if (response.StatusCode == HttpStatusCode.Created)
            {
                opened++;
            }
            else
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        await BusyDatabaseTests.AssertRetryLaterAsync(refused);
        await LedgerClient.WaitUntilAsync(async () => (await client.GetAsync("/health/ready", Cancel)).StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(10), "/health/ready to report the full disk");
        await BusyDatabaseTests.AssertRetryLaterAsync(await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = 100, currency = "EUR" }, LedgerClient.NewKey()));
        await BusyDatabaseTests.AssertRetryLaterAsync(await admin.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = account, amount = 100, currency = "EUR" }, LedgerClient.NewKey()));
        await BusyDatabaseTests.AssertRetryLaterAsync(await app.CreateClient().PostJsonAsync("/v1/auth/register", new { email = $"full-{Guid.NewGuid():N}@strongroom.test", password = "correct horse battery", fullName = "Full" }));
        Assert.Equal(new Balance(5_000, 0, 5_000), await alice.BalanceAsync(account));

        File.Delete(filler);

        await LedgerClient.WaitUntilAsync(async () => (await client.GetAsync("/health/ready", Cancel)).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "/health/ready to recover once space returns");
        await admin.DepositAsync(account, 100);
        Assert.Equal(new Balance(5_100, 0, 5_100), await alice.BalanceAsync(account));
        var accounts = await (await alice.Client.GetAsync("/v1/accounts?limit=100", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1 + opened, accounts.GetProperty("items").GetArrayLength());
        var verify = await (await admin.Client.GetAsync("/v1/admin/ledger/verify", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }
}
