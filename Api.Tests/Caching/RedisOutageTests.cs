using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Caching;

/// <summary>
/// Redis is a cache, not a dependency: killed mid-run, reads and writes go on (from memory and the
/// database); once it is back, the backplane resumes and changes reach the other replica again.
/// </summary>
[Trait("Category", "External")]
public sealed class RedisOutageTests(ReplicasWithFragileRedis replicas) : IClassFixture<ReplicasWithFragileRedis>
{
    [Fact]
    public async Task Reads_and_writes_go_on_without_Redis_and_the_backplane_recovers_when_it_returns()
    {
        replicas.SkipIfUnavailable();
        var admin = await replicas.A.SignInAsAdminAsync();
        var (payer, from) = await replicas.A.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await replicas.A.OpenFundedAccountAsync(admin, 0);
        var payerOnB = payer.On(replicas.B);
        await payerOnB.ReadAccountAsync(from);
        await payerOnB.ReadProfileAsync();

        replicas.Redis.Kill();

        // Writes: a transfer through A, a profile change through B; each answered promptly.
        var elapsed = Stopwatch.StartNew();
        (await payer.PostTransferAsync(LedgerClient.Transfer(from, to, 100))).EnsureSuccessStatusCode();
        (await payerOnB.Client.PatchAsJsonAsync("/v1/me", new { fullName = "Offline Edit" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var writes = elapsed.Elapsed;
        // Reads: each replica serves what it knows; the one that made the change reads its own write.
        elapsed.Restart();
        Assert.Equal(900, (await payer.ReadAccountAsync(from)).Account.Posted());
        Assert.Equal("Offline Edit", (await payerOnB.ReadProfileAsync()).Profile.GetProperty("fullName").GetString());
        Assert.Equal(HttpStatusCode.OK, (await payerOnB.Client.GetAsync($"/v1/accounts/{from}", TestContext.Current.CancellationToken)).StatusCode);
        var reads = elapsed.Elapsed;
        CacheClient.Report($"Without Redis: two writes took {writes.TotalMilliseconds:0} ms, three reads {reads.TotalMilliseconds:0} ms.");
        Assert.True(writes < ReplicasWithFragileRedis.StallBound && reads < ReplicasWithFragileRedis.StallBound, $"Redis down stalled requests: writes {writes}, reads {reads}.");

        await replicas.Redis.StartAsync(TestContext.Current.CancellationToken);

        // Once the backplane has resubscribed, a change made through A evicts B's copy again.
        var expected = 900L;
        var recovery = Stopwatch.StartNew();
        await LedgerClient.WaitUntilAsync(async () =>
        {
            (await payer.PostTransferAsync(LedgerClient.Transfer(from, to, 1))).EnsureSuccessStatusCode();
            expected--;
            var seen = Stopwatch.StartNew();
            while (seen.Elapsed < TimeSpan.FromMilliseconds(500))
            {
                if ((await payerOnB.ReadAccountAsync(from)).Account.Posted() == expected)
                {
                    return true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(10), TestContext.Current.CancellationToken);
            }

            return false;
        }, TimeSpan.FromSeconds(30), "a transfer through replica A evicts replica B's cached account again after Redis restarted");
        CacheClient.Report($"Backplane resumed {recovery.Elapsed.TotalMilliseconds:0} ms after redis-server answered again.");
    }
}
