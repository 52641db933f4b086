using System.Diagnostics;
using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Caching;

/// <summary>
/// The database is unavailable: what was cached is still served, marked stale; writes are refused
/// at once with 503; readiness says unhealthy. When it returns, writes resume.
/// </summary>
public sealed class DatabaseOutageTests(AppWithFragileDatabase app) : IClassFixture<AppWithFragileDatabase>
{
    [Fact]
    public async Task Cached_reads_are_served_stale_writes_fail_fast_and_readiness_fails_until_the_database_returns()
    {
        var admin = await app.SignInAsAdminAsync();
        var (owner, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        var neverRead = await owner.OpenAccountAsync();
        Assert.Equal("strongroom; fwd=miss; stored", (await owner.ReadAccountAsync(account)).CacheStatus);
        Assert.Equal("strongroom; hit", (await owner.ReadAccountAsync(account)).CacheStatus);
        // The transfer commits and evicts (expires) the cached account: the next read must ask the database.
        (await owner.PostTransferAsync(LedgerClient.Transfer(account, neverRead, 100))).EnsureSuccessStatusCode();

        app.TakeDatabaseAway();

        // The expired entry is what the service still has: served, and said to be stale.
        var stale = await owner.ReadAccountAsync(account);
        Assert.Equal("strongroom; hit; detail=stale", stale.CacheStatus);
        Assert.Equal(1_000, stale.Account.Posted());
        Assert.Equal("strongroom; hit; detail=stale", (await owner.ReadAccountAsync(account)).CacheStatus);

        // Nothing cached: 503, not 500.
        var uncached = await owner.Client.GetAsync($"/v1/accounts/{neverRead}", TestContext.Current.CancellationToken);
        await uncached.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");

        // Writes fail fast, the first one included.
        foreach (var attempt in new[] { "first", "second" })
        {
            var elapsed = Stopwatch.StartNew();
            var refused = await owner.PostTransferAsync(LedgerClient.Transfer(account, neverRead, 1));
            elapsed.Stop();
            await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
            Assert.True(elapsed.Elapsed < AppWithFragileDatabase.FailFastBound, $"The {attempt} write took {elapsed.Elapsed.TotalMilliseconds:0} ms to be refused.");
            CacheClient.Report($"Database down: {attempt} write refused with 503 in {elapsed.Elapsed.TotalMilliseconds:0.0} ms.");
        }

        var ready = await (await app.CreateClient().GetAsync("/health/ready", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", ready.GetProperty("status").GetString());

        app.BringDatabaseBack();

        await LedgerClient.WaitUntilAsync(
            async () => (await owner.PostTransferAsync(LedgerClient.Transfer(account, neverRead, 1))).StatusCode == HttpStatusCode.Created,
            TimeSpan.FromSeconds(10), "writes are accepted again");
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
        var fresh = await owner.ReadAccountAsync(account);
        Assert.Equal(899, fresh.Account.Posted());
        Assert.Equal("strongroom; fwd=miss; stored", fresh.CacheStatus);
    }
}
