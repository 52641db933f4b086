using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

public abstract class ReversalTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task The_receiver_reverses_a_transfer_in_full_and_the_original_shows_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var original = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        var response = await bob.ReverseAsync(original.Id(), description: "Sent by mistake");

        var reversal = await response.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal($"/v1/transfers/{reversal.Id()}", response.Headers.Location?.OriginalString);
        Assert.NotEqual(original.Id(), reversal.Id());
        Assert.Equal(to, reversal.GetProperty("fromAccountId").GetString());
        Assert.Equal(from, reversal.GetProperty("toAccountId").GetString());
        Assert.Equal(300, reversal.GetProperty("amount").GetInt64());
        Assert.Equal("posted", reversal.Status());
        Assert.Equal(original.Id(), reversal.GetProperty("reversalOf").GetString());
        Assert.Equal("Sent by mistake", reversal.GetProperty("description").GetString());
        Assert.False(original.TryGetProperty("reversedAmount", out _));
        var reread = await (await alice.GetTransferAsync(original.Id())).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(300, reread.GetProperty("reversedAmount").GetInt64());
        Assert.False(reread.TryGetProperty("reversalOf", out _));
        Assert.True(JsonElement.DeepEquals(reversal, await (await alice.GetTransferAsync(reversal.Id())).AssertJsonAsync(HttpStatusCode.OK)));
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
        Assert.Equal([300, -300], (await bob.EntriesAsync(to)).Select(e => e.Amount).Reverse());

        await (await bob.ReverseAsync(original.Id())).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "reversal_exceeds_original");
    }

    [Fact]
    public async Task Partial_reversals_add_up_to_at_most_the_original()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var original = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        await (await bob.ReverseAsync(original.Id(), 100)).AssertJsonAsync(HttpStatusCode.Created);
        await (await admin.ReverseAsync(original.Id(), 150)).AssertJsonAsync(HttpStatusCode.Created);
        var tooMuch = await bob.ReverseAsync(original.Id(), 51);
        var rest = await bob.ReverseAsync(original.Id());

        var problem = await tooMuch.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "reversal_exceeds_original");
        Assert.Contains("50", problem.GetProperty("detail").GetString());
        Assert.Equal(50, (await rest.AssertJsonAsync(HttpStatusCode.Created)).GetProperty("amount").GetInt64());
        Assert.Equal(300, (await (await alice.GetTransferAsync(original.Id())).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("reversedAmount").GetInt64());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task Reversals_of_one_transfer_sent_at_once_never_exceed_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var original = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        // Likely applied in one group: the work set must add them up.
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => bob.ReverseAsync(original.Id(), 100)));

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await refused.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "reversal_exceeds_original");
        }

        Assert.Equal(300, (await (await alice.GetTransferAsync(original.Id())).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("reversedAmount").GetInt64());
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_pending_hold_is_voided_not_reversed_and_a_captured_one_reverses_what_it_captured()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        await (await bob.ReverseAsync(hold.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_posted");
        await (await admin.ReverseAsync(hold.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_posted");

        await (await alice.CaptureAsync(hold.Id(), 120)).AssertJsonAsync(HttpStatusCode.OK);
        await (await bob.ReverseAsync(hold.Id(), 121)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "reversal_exceeds_original");
        var reversal = await (await bob.ReverseAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(120, reversal.GetProperty("amount").GetInt64());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));

        var voided = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 50))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.VoidAsync(voided.Id())).AssertJsonAsync(HttpStatusCode.OK);
        await (await bob.ReverseAsync(voided.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_posted");
    }

    [Fact]
    public async Task Only_staff_and_the_owner_of_the_destination_find_the_transfer_to_reverse()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var mallory = await app.RegisterAndSignInAsync();
        var original = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        // The sender cannot pull money back: to them, as to a stranger, there is nothing to reverse.
        await (await alice.ReverseAsync(original.Id())).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await mallory.ReverseAsync(original.Id())).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await bob.ReverseAsync("trf_00000000000000000000000000")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await bob.ReverseAsync("not-an-id")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(new Balance(300, 0, 300), await bob.BalanceAsync(to));

        // Staff may reverse anything posted, a deposit too (back to the settlement account).
        var staffReversal = await (await admin.ReverseAsync(original.Id(), 10)).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(original.Id(), staffReversal.GetProperty("reversalOf").GetString());
        var (carol, funded) = await app.OpenFundedAccountAsync(admin, 70);
        var deposit = Assert.Single(await carol.EntriesAsync(funded)).TransferId;
        await (await admin.ReverseAsync(deposit)).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(0, 0, 0), await carol.BalanceAsync(funded));
    }

    [Fact]
    public async Task A_reversal_obeys_the_ordinary_rules_of_balances_and_account_status()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var (_, elsewhere) = await app.OpenFundedAccountAsync(admin, 0);
        var original = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        // Bob spent most of it: the reversal is limited by his available balance like any transfer.
        await (await bob.PostTransferAsync(LedgerClient.Transfer(to, elsewhere, 250))).AssertJsonAsync(HttpStatusCode.Created);
        await (await bob.ReverseAsync(original.Id())).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        await (await bob.ReverseAsync(original.Id(), 50)).AssertJsonAsync(HttpStatusCode.Created);

        await (await admin.AccountActionAsync(to, "freeze")).AssertJsonAsync(HttpStatusCode.OK);
        await (await bob.ReverseAsync(original.Id(), 10)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_frozen");
        await (await admin.AccountActionAsync(to, "unfreeze")).AssertJsonAsync(HttpStatusCode.OK);

        // The source closed meanwhile: no money enters a closed account.
        var (dave, closing) = await app.OpenFundedAccountAsync(admin, 100);
        var paid = await (await dave.PostTransferAsync(LedgerClient.Transfer(closing, to, 100))).AssertJsonAsync(HttpStatusCode.Created);
        await (await admin.AccountActionAsync(closing, "close")).AssertJsonAsync(HttpStatusCode.OK);
        await (await bob.ReverseAsync(paid.Id())).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_closed");

        // Nothing refused left a trace on the original.
        Assert.Equal(50, (await (await alice.GetTransferAsync(original.Id())).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("reversedAmount").GetInt64());
        Assert.False((await (await dave.GetTransferAsync(paid.Id())).AssertJsonAsync(HttpStatusCode.OK)).TryGetProperty("reversedAmount", out _));
    }

    [Fact]
    public async Task A_retry_with_the_same_key_replays_the_reversal_and_moves_nothing_again()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var original = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);
        var key = LedgerClient.NewKey();

        var first = await bob.ReverseAsync(original.Id(), 100, idempotencyKey: key);
        var again = await bob.ReverseAsync(original.Id(), 100, idempotencyKey: key);
        var otherBody = await bob.ReverseAsync(original.Id(), 99, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.True(again.IsReplayed());
        Assert.Equal(await first.BodyAsync(), await again.BodyAsync());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        await otherBody.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(100, (await (await alice.GetTransferAsync(original.Id())).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("reversedAmount").GetInt64());
        Assert.Equal(new Balance(200, 0, 200), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_reversal_writes_the_reversals_posted_event_and_the_originals_reversed_event()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var original = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        var reversal = await (await bob.ReverseAsync(original.Id(), 120)).AssertJsonAsync(HttpStatusCode.Created);

        var events = (await alice.EventsAsync()).TakeLast(2).ToList();
        Assert.Equal(["transfer.posted", "transfer.reversed"], events.Select(e => e.Type()));
        Assert.True(JsonElement.DeepEquals(reversal, events[0].GetProperty("data")));
        Assert.True(JsonElement.DeepEquals(await (await alice.GetTransferAsync(original.Id())).AssertJsonAsync(HttpStatusCode.OK), events[1].GetProperty("data")));
        Assert.Equal(120, events[1].GetProperty("data").GetProperty("reversedAmount").GetInt64());
        Assert.Equal(events.Select(e => e.Id()), (await bob.EventsAsync()).TakeLast(2).Select(e => e.Id()));
        Assert.Equal(original.Id(), Assert.Single(await alice.EventsAsync("transfer.reversed")).DataId());
    }
}

public sealed class ReversalsOnSqlite(SqliteApp app) : ReversalTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class ReversalsOnSqlServer(SqlServerApp app) : ReversalTests<SqlServerApp>(app);
