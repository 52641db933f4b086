using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Ledger;

namespace Strongroom.Api.Tests.Transfers;

public abstract class IdempotencyTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    protected TApp App => app;

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(256)]
    public async Task A_money_moving_request_without_a_usable_key_is_refused(int keyLength)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        // -1: no header at all.
        var key = keyLength < 0 ? null : new string('k', keyLength);

        var transfer = await alice.Client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 100), key);
        var deposit = await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = 100L, currency = "EUR" }, key);

        await transfer.AssertProblemAsync(HttpStatusCode.BadRequest, "idempotency_key_missing");
        await deposit.AssertProblemAsync(HttpStatusCode.BadRequest, "idempotency_key_missing");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task A_key_of_255_characters_is_accepted()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100), new string('k', 255));

        await response.AssertJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Repeating_a_request_with_its_key_replays_the_original_response_and_moves_money_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();
        var body = LedgerClient.Transfer(from, to, 250);

        var first = await alice.PostTransferAsync(body, key);
        var second = await alice.PostTransferAsync(body, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains(LedgerClient.ReplayedHeader));
        Assert.Equal(first.StatusCode, second.StatusCode);
        Assert.True(second.IsReplayed(), $"Expected {LedgerClient.ReplayedHeader}: true on the repeat.");
        Assert.Equal(await first.BodyAsync(), await second.BodyAsync());
        Assert.Equal(new Balance(750, 0, 750), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(250, 0, 250), await bob.BalanceAsync(to));
        Assert.Single(await bob.EntriesAsync(to));
    }

    [Fact]
    public async Task Reusing_a_key_for_a_different_request_is_refused()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();

        var first = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 250), key);
        var different = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 251), key);

        await first.AssertJsonAsync(HttpStatusCode.Created);
        await different.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(new Balance(750, 0, 750), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(250, 0, 250), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_validation_failure_is_not_remembered_so_the_fixed_request_can_reuse_the_key()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();

        var invalid = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 0), key);
        var fixedUp = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100), key);

        await invalid.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await fixedUp.AssertJsonAsync(HttpStatusCode.Created);
        Assert.False(fixedUp.IsReplayed());
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(100, 0, 100), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_business_failure_is_remembered_and_replayed_even_once_it_would_succeed()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 100);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();
        var body = LedgerClient.Transfer(from, to, 500);

        var refused = await alice.PostTransferAsync(body, key);
        await refused.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        await admin.DepositAsync(from, 1_000);
        var repeated = await alice.PostTransferAsync(body, key);

        await repeated.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.True(repeated.IsReplayed(), $"Expected {LedgerClient.ReplayedHeader}: true on the repeat.");
        Assert.Equal(await refused.BodyAsync(), await repeated.BodyAsync());
        Assert.Equal(new Balance(1_100, 0, 1_100), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task Keys_belong_to_the_caller_so_two_callers_may_use_the_same_one()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, aliceAccount) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, bobAccount) = await app.OpenFundedAccountAsync(admin, 1_000);
        var key = LedgerClient.NewKey();

        var byAlice = await alice.PostTransferAsync(LedgerClient.Transfer(aliceAccount, bobAccount, 100), key);
        var byBob = await bob.PostTransferAsync(LedgerClient.Transfer(bobAccount, aliceAccount, 300), key);

        var aliceTransfer = await byAlice.AssertJsonAsync(HttpStatusCode.Created);
        var bobTransfer = await byBob.AssertJsonAsync(HttpStatusCode.Created);
        Assert.False(byBob.IsReplayed());
        Assert.NotEqual(aliceTransfer.Id(), bobTransfer.Id());
        Assert.Equal(new Balance(1_200, 0, 1_200), await alice.BalanceAsync(aliceAccount));
        Assert.Equal(new Balance(800, 0, 800), await bob.BalanceAsync(bobAccount));
    }

    [Fact]
    public async Task A_repeated_capture_replays_its_success_rather_than_finding_the_hold_settled()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);
        var key = LedgerClient.NewKey();

        var first = await alice.CaptureAsync(hold.Id(), 200, key);
        var repeated = await alice.CaptureAsync(hold.Id(), 200, key);
        var otherAmount = await alice.CaptureAsync(hold.Id(), 100, key);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.True(repeated.IsReplayed(), $"Expected {LedgerClient.ReplayedHeader}: true on the repeat.");
        Assert.Equal(await first.BodyAsync(), await repeated.BodyAsync());
        await otherAmount.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(new Balance(800, 0, 800), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(200, 0, 200), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_repeated_batch_is_applied_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();
        object[] transfers = [LedgerClient.Transfer(from, to, 100), LedgerClient.Transfer(from, to, 50)];

        var first = await alice.PostBatchAsync(transfers, key);
        var repeated = await alice.PostBatchAsync(transfers, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, repeated.StatusCode);
        Assert.True(repeated.IsReplayed(), $"Expected {LedgerClient.ReplayedHeader}: true on the repeat.");
        Assert.Equal(await first.BodyAsync(), await repeated.BodyAsync());
        Assert.Equal(new Balance(850, 0, 850), await alice.BalanceAsync(from));
        Assert.Equal(2, (await bob.EntriesAsync(to)).Count);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_make_one_transfer_and_agree_on_it()
    {
        const int Requests = 16;
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();
        var body = LedgerClient.Transfer(from, to, 100);

        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ => alice.PostTransferAsync(body, key)));

        var successes = new List<string>();
        foreach (var response in responses)
        {
            if (response.IsSuccessStatusCode)
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                successes.Add(await response.BodyAsync());
            }
            else
            {
                await response.AssertProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_use");
            }
        }

        Assert.NotEmpty(successes);
        Assert.Single(successes.Distinct());
        var retry = await alice.PostTransferAsync(body, key);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(successes[0], await retry.BodyAsync());
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(100, 0, 100), await bob.BalanceAsync(to));
        Assert.Single(await bob.EntriesAsync(to));
    }
    [Fact]
    public async Task One_key_sent_to_capture_and_then_to_void_is_refused_as_reuse_not_replayed_as_the_other()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var captured = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);
        var voided = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 200))).AssertJsonAsync(HttpStatusCode.Created);
        var (first, second) = (LedgerClient.NewKey(), LedgerClient.NewKey());

        // Capture-in-full and void send the same (empty) body: only the operation tells them apart.
        await (await alice.CaptureAsync(captured.Id(), idempotencyKey: first)).AssertJsonAsync(HttpStatusCode.OK);
        var voidWithCaptureKey = await alice.VoidAsync(captured.Id(), first);
        await (await alice.VoidAsync(voided.Id(), second)).AssertJsonAsync(HttpStatusCode.OK);
        var captureWithVoidKey = await alice.CaptureAsync(voided.Id(), idempotencyKey: second);
        var transferWithVoidKey = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1), second);

        await voidWithCaptureKey.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        await captureWithVoidKey.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        await transferWithVoidKey.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.False(voidWithCaptureKey.IsReplayed());
        Assert.False(captureWithVoidKey.IsReplayed());
        Assert.Equal("posted", (await (await alice.GetTransferAsync(captured.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal("voided", (await (await alice.GetTransferAsync(voided.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal(new Balance(700, 0, 700), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(300, 0, 300), await bob.BalanceAsync(to));
    }
}

public sealed class IdempotencyOnSqlite(SqliteApp app) : IdempotencyTests<SqliteApp>(app)
{
    /// <summary>
    /// Holds SQLite's write lock so the first request stays in the ledger queue for as long as the
    /// test needs; the queue's <c>Pending</c> count only tells us when it has got there.
    /// </summary>
    [Fact]
    public async Task A_key_whose_first_request_is_still_in_flight_is_in_use()
    {
        var admin = await App.SignInAsAdminAsync();
        var (alice, from) = await App.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await App.OpenFundedAccountAsync(admin, 0);
        var queue = App.Services.GetRequiredService<LedgerQueue>();
        var key = LedgerClient.NewKey();
        var body = LedgerClient.Transfer(from, to, 100);

        Task<HttpResponseMessage> first;
        HttpResponseMessage second;
        await using (await SqliteWriteLock.AcquireAsync(App.DatabasePath))
        {
            first = alice.PostTransferAsync(body, key);
            await LedgerClient.WaitUntilAsync(() => queue.Pending == 1 || first.IsCompleted, TimeSpan.FromSeconds(10), "the first request waits in the ledger queue");
            if (first.IsCompleted)
            {
                Assert.Fail($"The first request finished while the database was locked: {await (await first).BodyAsync()}");
            }

            second = await alice.PostTransferAsync(body, key).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        }

        await second.AssertProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_use");
        var completed = await first.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var created = await completed.AssertJsonAsync(HttpStatusCode.Created);
        var retry = await alice.PostTransferAsync(body, key);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.IsReplayed(), $"Expected {LedgerClient.ReplayedHeader}: true on the retry.");
        Assert.Equal(created.Id(), (await retry.AssertJsonAsync(HttpStatusCode.Created)).Id());
        Assert.Equal(await completed.BodyAsync(), await retry.BodyAsync());
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(100, 0, 100), await bob.BalanceAsync(to));
    }

}

[Trait("Category", "SqlServer")]
public sealed class IdempotencyOnSqlServer(SqlServerApp app) : IdempotencyTests<SqlServerApp>(app);

public sealed class IdempotencyRetentionTests(ShortKeyRetentionApp app) : IClassFixture<ShortKeyRetentionApp>
{
    [Fact]
    public async Task A_key_past_its_retention_is_purged_and_can_be_used_afresh()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100), key)).AssertJsonAsync(HttpStatusCode.Created);
        var reused = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 200), key);
        await reused.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        // Past its retention, and once purged, the key no longer names the first request: a different one is accepted.
        app.Clock.Advance(ShortKeyRetentionApp.Retention + TimeSpan.FromMinutes(1));
        HttpResponseMessage? afresh = null;
        await LedgerClient.WaitUntilAsync(async () =>
        {
            afresh = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 200), key);
            return afresh.StatusCode == HttpStatusCode.Created;
        }, TimeSpan.FromSeconds(15), "the expired key is purged");

        Assert.False(afresh!.IsReplayed());
        Assert.Equal(new Balance(700, 0, 700), await alice.BalanceAsync(from));
    }
}
