using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Ledger;

namespace Strongroom.Api.Tests.Ledger;

/// <summary>
/// A database whose write lock another process holds, the way a backup or a stuck migration
/// would: the writer waits for it no longer than <c>Ledger:MaxWriterWait</c>, answers 503 with
/// <c>Retry-After</c>, applies nothing, and recovers by itself once the lock is released.
/// </summary>
public sealed class LedgerWriterDeadlineTests(ShortWriterWaitApp app) : IClassFixture<ShortWriterWaitApp>
{
    [Fact]
    public async Task A_held_write_lock_gives_503_within_MaxWriterWait_and_the_same_key_applies_once_after()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var queue = app.Services.GetRequiredService<LedgerQueue>();
        var body = LedgerClient.Transfer(from, to, 100);
        var key = LedgerClient.NewKey();
        var other = LedgerClient.NewKey();
        HttpResponseMessage refused;
        HttpResponseMessage shed;
        TimeSpan waited;

        await using (await SqliteWriteLock.AcquireAsync(app.DatabasePath))
        {
            var clock = Stopwatch.StartNew();
            var first = alice.PostTransferAsync(body, key);
            await LedgerClient.WaitUntilAsync(() => queue.Pending == 1 || first.IsCompleted, TimeSpan.FromSeconds(10), "the first transfer reaches the writer");
            // Once the writer has overrun its usual group time by more than the automatic budget (tens of
            // milliseconds at most here), a newcomer is refused at the door, while the first still waits.
            await LedgerClient.WaitUntilAsync(() => clock.Elapsed > TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), "the writer has been stuck past the queueing budget");
            shed = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1), other).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.False(first.IsCompleted, "The newcomer was queued behind the stuck writer instead of being refused at once.");
            refused = await first.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            waited = clock.Elapsed;

            // Answered while the lock is still held: nothing can have been applied, and no write can be.
            Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.CreateClient().GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
        }

        await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "ledger_busy");
        Assert.NotNull(refused.Headers.RetryAfter);
        await shed.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "ledger_busy");
        Assert.NotNull(shed.Headers.RetryAfter);
        // It did wait for the lock (not refused at the door), and for about MaxWriterWait, not Database:CommandTimeoutSeconds (30 s).
        Assert.InRange(waited, ShortWriterWaitApp.MaxWriterWait * 0.8, ShortWriterWaitApp.MaxWriterWait + TimeSpan.FromSeconds(3));

        // Locked past the whole wait: not ready until a probe write commits, then ready by itself.
        var probe = app.CreateClient();
        await LedgerClient.WaitUntilAsync(async () => (await probe.GetAsync("/health/ready", TestContext.Current.CancellationToken)).IsSuccessStatusCode,
            TimeSpan.FromSeconds(10), "/health/ready to recover once the lock is released");

        // The refusal was not stored with the key: the retry applies it, once.
        var applied = await alice.PostTransferAsync(body, key);
        var transfer = await applied.AssertJsonAsync(HttpStatusCode.Created);
        Assert.False(applied.IsReplayed());
        var replay = await alice.PostTransferAsync(body, key);
        Assert.True(replay.IsReplayed());
        Assert.Equal(transfer.Id(), (await replay.AssertJsonAsync(HttpStatusCode.Created)).Id());
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1), other)).AssertJsonAsync(HttpStatusCode.Created);

        Assert.Equal(new Balance(899, 0, 899), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(101, 0, 101), await bob.BalanceAsync(to));
        Assert.Equal(2, (await bob.EntriesAsync(to)).Count);
        var verify = await (await admin.Client.GetAsync("/v1/admin/ledger/verify", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }
}

/// <summary>
/// Admission by time: with a queueing budget of a millisecond and the writer held up (by a lock,
/// as a slow disk would), a burst is partly refused at once with 503 ledger_busy; every transfer
/// accepted is applied exactly once, the refused ones apply once when retried with their keys,
/// and the balances add up.
/// </summary>
public sealed class LedgerAdmissionTests(TinyQueueWaitApp app) : IClassFixture<TinyQueueWaitApp>
{
    private const int Burst = 100;

    [Fact]
    public async Task A_burst_beyond_MaxQueueWait_is_partly_refused_and_every_accepted_transfer_applies_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var queue = app.Services.GetRequiredService<LedgerQueue>();
        var keys = Enumerable.Range(0, Burst).Select(_ => LedgerClient.NewKey()).ToList();
        List<Task<HttpResponseMessage>> burst;
        int queuedWhileLocked;

        await using (await SqliteWriteLock.AcquireAsync(app.DatabasePath))
        {
            burst = [.. keys.Select(key => alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1), key))];
            // Every request is either answered (refused) or waiting in the ledger: then let the writer go.
            await LedgerClient.WaitUntilAsync(() => burst.Count(r => r.IsCompleted) + queue.Pending == Burst, TimeSpan.FromSeconds(10), "the burst is admitted or refused");
            queuedWhileLocked = queue.Pending;
        }

        var answers = await Task.WhenAll(burst).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var accepted = new List<string>();
        var refused = new List<string>();
        for (var i = 0; i < Burst; i++)
        {
            if (answers[i].StatusCode == HttpStatusCode.Created)
            {
                accepted.Add((await answers[i].AssertJsonAsync(HttpStatusCode.Created)).Id());
            }
            else
            {
                await answers[i].AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "ledger_busy");
                Assert.NotNull(answers[i].Headers.RetryAfter);
                refused.Add(keys[i]);
            }
        }

        Assert.NotEmpty(refused);
        Assert.NotEmpty(accepted);
        Assert.Equal(queuedWhileLocked, accepted.Count);
        Assert.Equal(accepted.Count, accepted.Distinct().Count());
        Assert.Equal(new Balance(1_000_000 - accepted.Count, 0, 1_000_000 - accepted.Count), await alice.BalanceAsync(from));
        Assert.Equal(accepted.Count, (await bob.EntriesAsync(to)).Count);

        // A refusal is not remembered: one at a time, each refused key applies now, and only once.
        foreach (var key in refused)
        {
            var retry = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1), key);
            await retry.AssertJsonAsync(HttpStatusCode.Created);
            Assert.False(retry.IsReplayed());
        }

        Assert.Equal(new Balance(1_000_000 - Burst, 0, 1_000_000 - Burst), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(Burst, 0, Burst), await bob.BalanceAsync(to));
        var verify = await (await admin.Client.GetAsync("/v1/admin/ledger/verify", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }
}
