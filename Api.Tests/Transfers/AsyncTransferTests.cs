using System.Net;
using Microsoft.Extensions.Primitives;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Ledger;

namespace Strongroom.Api.Tests.Transfers;

/// <summary>
/// <c>Prefer: respond-async</c> on POST /v1/transfers and /v1/transfers/batch: 202 once recorded,
/// then applied by the ledger writer under the rules of a synchronous request. The drain is held
/// (its lease taken, as by another replica) where a test must see a request still processing.
/// </summary>
public sealed class AsyncTransferTests(AsyncWritesApp app) : IClassFixture<AsyncWritesApp>
{
    [Fact]
    public async Task An_async_transfer_is_answered_202_shows_processing_then_the_posted_transfer()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        await using var drain = await HeldAsyncDrain.HoldAsync(app.DatabasePath);

        var response = await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 250));

        var accepted = await response.AssertJsonAsync(HttpStatusCode.Accepted);
        var id = accepted.Id();
        Assert.Equal("processing", accepted.Status());
        Assert.Equal($"/v1/transfers/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(["respond-async"], response.Headers.GetValues(AsyncLedgerClient.PreferenceApplied));
        Assert.False(response.IsReplayed());
        var processing = await (await alice.GetTransferAsync(id)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("processing", processing.Status());
        Assert.Equal(250, processing.GetProperty("amount").GetInt64());
        Assert.Equal(from, processing.GetProperty("fromAccountId").GetString());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));

        await drain.ReleaseAsync();

        var posted = await alice.WaitUntilSettledAsync(id);
        Assert.Equal("posted", posted.Status());
        Assert.False(posted.TryGetProperty("failure", out _));
        Assert.Equal(new Balance(750, 0, 750), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(250, 0, 250), await bob.BalanceAsync(to));
        Assert.Equal("posted", (await (await bob.GetTransferAsync(id)).AssertJsonAsync(HttpStatusCode.OK)).Status());
    }

    [Fact]
    public async Task An_async_batch_is_answered_with_its_ids_and_applied_all_together()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostBatchAsyncly([LedgerClient.Transfer(from, to, 100), LedgerClient.Transfer(from, to, 200)]);

        var accepted = await response.AssertJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("processing", accepted.Status());
        Assert.Null(response.Headers.Location);
        var ids = accepted.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!).ToList();
        Assert.Equal(2, ids.Count);
        foreach (var id in ids)
        {
            Assert.Equal("posted", (await alice.WaitUntilSettledAsync(id)).Status());
        }

        Assert.Equal(new Balance(700, 0, 700), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(300, 0, 300), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task An_async_overdraft_ends_failed_with_the_synchronous_problem_and_moves_no_money()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 100);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();

        var accepted = await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 500), key)).AssertJsonAsync(HttpStatusCode.Accepted);

        var failed = await alice.WaitUntilSettledAsync(accepted.Id());
        Assert.Equal("failed", failed.Status());
        Assert.Equal("insufficient_funds", failed.GetProperty("failure").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(failed.GetProperty("failure").GetProperty("detail").GetString()));
        Assert.Equal(new Balance(100, 0, 100), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
        Assert.Empty(await bob.EntriesAsync(to));
        // The key now answers what a synchronous request would have been told.
        var replay = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 500), key);
        await replay.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.True(replay.IsReplayed());

        // The outcome is an event for the sender, its data what GET answers; the payee, who never
        // saw the transfer, has none, and nothing was posted.
        var events = (await alice.EventsAsync()).Where(e => e.DataId() == accepted.Id()).ToList();
        var @event = Assert.Single(events);
        Assert.Equal("transfer.failed", @event.Type());
        Assert.Equal(failed.GetRawText(), @event.GetProperty("data").GetRawText());
        Assert.DoesNotContain(await bob.EventsAsync(), e => e.DataId() == accepted.Id());
    }

    [Fact]
    public async Task Async_then_sync_with_the_same_key_replays_the_202_while_processing_and_the_201_once_applied()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();
        var body = LedgerClient.Transfer(from, to, 250);
        await using var drain = await HeldAsyncDrain.HoldAsync(app.DatabasePath);

        var first = await alice.PostTransferAsyncly(body, key);
        var asyncAgain = await alice.PostTransferAsyncly(body, key);
        var syncWhileProcessing = await alice.PostTransferAsync(body, key);
        var different = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 251), key);

        var accepted = await first.AssertJsonAsync(HttpStatusCode.Accepted);
        foreach (var replay in new[] { asyncAgain, syncWhileProcessing })
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            Assert.True(replay.IsReplayed());
            Assert.Equal(await first.BodyAsync(), await replay.BodyAsync());
            Assert.Equal(first.Headers.Location, replay.Headers.Location);
        }

        await different.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        await drain.ReleaseAsync();
        var posted = await alice.WaitUntilSettledAsync(accepted.Id());

        var syncAfter = await alice.PostTransferAsync(body, key);
        var asyncAfter = await alice.PostTransferAsyncly(body, key);
        foreach (var replay in new[] { syncAfter, asyncAfter })
        {
            var replayed = await replay.AssertJsonAsync(HttpStatusCode.Created);
            Assert.True(replay.IsReplayed());
            Assert.Equal(accepted.Id(), replayed.Id());
            Assert.Equal($"/v1/transfers/{accepted.Id()}", replay.Headers.Location?.OriginalString);
        }

        Assert.False(asyncAfter.Headers.Contains(AsyncLedgerClient.PreferenceApplied));
        Assert.Equal("posted", posted.Status());
        Assert.Single(await bob.EntriesAsync(to));
        Assert.Equal(new Balance(750, 0, 750), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task Sync_then_async_with_the_same_key_replays_the_201_and_a_different_body_is_refused()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();
        var body = LedgerClient.Transfer(from, to, 250);

        var first = await alice.PostTransferAsync(body, key);
        var asyncAgain = await alice.PostTransferAsyncly(body, key);
        var different = await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 251), key);

        var created = await first.AssertJsonAsync(HttpStatusCode.Created);
        var replayed = await asyncAgain.AssertJsonAsync(HttpStatusCode.Created);
        Assert.True(asyncAgain.IsReplayed());
        Assert.Equal(created.Id(), replayed.Id());
        Assert.Equal(first.Headers.Location, asyncAgain.Headers.Location);
        await different.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Single(await bob.EntriesAsync(to));
        Assert.Equal(new Balance(750, 0, 750), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task Another_users_processing_or_failed_transfer_does_not_exist_for_them_and_staff_see_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 100);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var mallory = await app.RegisterAndSignInAsync();
        string processingId, failedId;
        await using (var drain = await HeldAsyncDrain.HoldAsync(app.DatabasePath))
        {
            processingId = (await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 50))).AssertJsonAsync(HttpStatusCode.Accepted)).Id();
            failedId = (await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 5_000))).AssertJsonAsync(HttpStatusCode.Accepted)).Id();

            await (await mallory.GetTransferAsync(processingId)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
            // Bob owns the destination, but learns of the transfer once it is applied.
            await (await bob.GetTransferAsync(processingId)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
            Assert.Equal("processing", (await (await admin.GetTransferAsync(processingId)).AssertJsonAsync(HttpStatusCode.OK)).Status());
        }

        Assert.Equal("failed", (await alice.WaitUntilSettledAsync(failedId)).Status());
        await (await mallory.GetTransferAsync(failedId)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("failed", (await (await admin.GetTransferAsync(failedId)).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal("posted", (await alice.WaitUntilSettledAsync(processingId)).Status());
        await (await mallory.GetTransferAsync(processingId)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Async_requests_are_applied_in_the_order_accepted()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 300);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var accepted = new List<string>();
        await using (var drain = await HeldAsyncDrain.HoldAsync(app.DatabasePath))
        {
            for (var i = 1; i <= 6; i++)
            {
                accepted.Add((await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 100 - i))).AssertJsonAsync(HttpStatusCode.Accepted)).Id());
            }
        }

        var outcomes = new List<string>();
        foreach (var id in accepted)
        {
            outcomes.Add((await alice.WaitUntilSettledAsync(id)).Status());
        }

        // 99 + 98 + 97 fit in 300; the fourth and later do not (96 > 6 left): only the first three accepted apply.
        Assert.Equal(["posted", "posted", "posted", "failed", "failed", "failed"], outcomes);
        Assert.Equal(accepted.Take(3), (await bob.EntriesAsync(to)).OrderBy(e => e.Sequence).Select(e => e.TransferId));
    }

    [Fact]
    public async Task A_concurrent_burst_of_async_requests_is_all_accepted_then_all_applied_once()
    {
        const int Burst = 200;
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);

        var responses = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 1))));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));
        await LedgerClient.WaitUntilAsync(async () => (await bob.BalanceAsync(to)).Posted >= Burst, TimeSpan.FromSeconds(30), "the burst is applied");
        Assert.Equal(new Balance(Burst, 0, Burst), await bob.BalanceAsync(to));
        Assert.Equal(Burst, (await bob.EntriesAsync(to)).Count);
    }

    [Fact]
    public async Task Without_the_preference_nothing_changes()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.Client.PostPreferringAsync("/v1/transfers", LedgerClient.Transfer(from, to, 10), LedgerClient.NewKey(), prefer: "return=minimal, respond-asynchronously");

        Assert.Equal("posted", (await response.AssertJsonAsync(HttpStatusCode.Created)).Status());
        Assert.False(response.Headers.Contains(AsyncLedgerClient.PreferenceApplied));
    }

    [Theory]
    [InlineData("respond-async", true)]
    [InlineData("RESPOND-ASYNC", true)]
    [InlineData("return=minimal, respond-async", true)]
    [InlineData("respond-async; foo=bar", true)]
    [InlineData(" respond-async , wait=10", true)]
    [InlineData("respond-async=1", true)]
    [InlineData("wait=10", false)]
    [InlineData("foo=\"a, respond-async\"", false)]
    [InlineData("respond-asynchronously", false)]
    [InlineData("x-respond-async", false)]
    [InlineData("", false)]
    [InlineData("\"", false)]
    public void The_Prefer_header_is_parsed_as_RFC_7240_preferences(string header, bool requested)
    {
        Assert.Equal(requested, AsyncInbox.IsRequested(new StringValues(header)));
    }

    [Fact]
    public void Respond_async_in_any_of_several_Prefer_headers_counts()
    {
        Assert.True(AsyncInbox.IsRequested(new StringValues(["wait=5", "respond-async"])));
    }
}

/// <summary>Asynchronous requests past Ledger:AsyncBacklogLimit are refused 503 with Retry-After; synchronous ones are not affected.</summary>
public sealed class AsyncBacklogTests(TinyAsyncBacklogApp app) : IClassFixture<TinyAsyncBacklogApp>
{
    [Fact]
    public async Task Past_the_backlog_limit_async_requests_get_503_with_retry_after_until_it_drains()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        List<string> accepted = [];
        await using (var drain = await HeldAsyncDrain.HoldAsync(app.DatabasePath))
        {
            accepted.Add((await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 10))).AssertJsonAsync(HttpStatusCode.Accepted)).Id());
            accepted.Add((await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 20))).AssertJsonAsync(HttpStatusCode.Accepted)).Id());

            var refused = await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 30));
            var sync = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 40));

            await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "ledger_busy");
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.False(refused.Headers.Contains(AsyncLedgerClient.PreferenceApplied));
            await sync.AssertJsonAsync(HttpStatusCode.Created);
        }

        foreach (var id in accepted)
        {
            Assert.Equal("posted", (await alice.WaitUntilSettledAsync(id)).Status());
        }

        var afterDrain = await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 30));
        Assert.Equal("posted", (await alice.WaitUntilSettledAsync((await afterDrain.AssertJsonAsync(HttpStatusCode.Accepted)).Id())).Status());
        Assert.Equal(new Balance(100, 0, 100), await bob.BalanceAsync(to));
    }
}

/// <summary>A finished asynchronous request is forgotten with its key (Ledger:IdempotencyRetention); one still processing never is.</summary>
public sealed class AsyncRetentionTests(ShortAsyncRetentionApp app) : IClassFixture<ShortAsyncRetentionApp>
{
    [Fact]
    public async Task A_failed_async_transfer_is_forgotten_after_the_retention_and_an_applied_one_stays_in_the_ledger()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 100);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var failed = (await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 500))).AssertJsonAsync(HttpStatusCode.Accepted)).Id();
        var posted = (await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 50))).AssertJsonAsync(HttpStatusCode.Accepted)).Id();
        Assert.Equal("failed", (await alice.WaitUntilSettledAsync(failed)).Status());
        Assert.Equal("posted", (await alice.WaitUntilSettledAsync(posted)).Status());

        await LedgerClient.WaitUntilAsync(
            async () => (await alice.GetTransferAsync(failed)).StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30), "the failed request is forgotten");
        await (await alice.GetTransferAsync(failed)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("posted", (await (await alice.GetTransferAsync(posted)).AssertJsonAsync(HttpStatusCode.OK)).Status());
    }
}
