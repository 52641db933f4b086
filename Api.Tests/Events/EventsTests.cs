using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Events;

public abstract class EventsTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task Every_change_writes_its_event_with_the_resource_as_its_GET_returns_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var alice = await app.RegisterAndSignInAsync();
        var account = await alice.OpenAccountAsync();
        await AssertEventAsync(alice, "account.opened", await alice.AccountAsync(account));

        var deposit = await admin.DepositAsync(account, 1_000);
        await AssertEventAsync(alice, "transfer.posted", await TransferAsync(alice, deposit.Id()));

        var (bob, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var transfer = await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, 100))).AssertJsonAsync(HttpStatusCode.Created);
        var posted = await AssertEventAsync(alice, "transfer.posted", await TransferAsync(alice, transfer.Id()));
        // Both sides' owners see a transfer between them.
        Assert.True(JsonElement.DeepEquals(posted, await (await bob.EventAsync(posted.Id())).AssertJsonAsync(HttpStatusCode.OK)));

        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(account, payee, 200))).AssertJsonAsync(HttpStatusCode.Created);
        await AssertEventAsync(alice, "transfer.pending", await TransferAsync(alice, hold.Id()));
        await (await alice.CaptureAsync(hold.Id(), 150)).AssertJsonAsync(HttpStatusCode.OK);
        await AssertEventAsync(bob, "transfer.captured", await TransferAsync(alice, hold.Id()));

        var voided = await (await alice.PostTransferAsync(LedgerClient.Hold(account, payee, 50))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.VoidAsync(voided.Id())).AssertJsonAsync(HttpStatusCode.OK);
        await AssertEventAsync(alice, "transfer.voided", await TransferAsync(alice, voided.Id()));

        var withdrawal = await (await admin.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = account, amount = 10L, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);
        await AssertEventAsync(alice, "transfer.posted", await TransferAsync(alice, withdrawal.Id()));

        await (await admin.SetOverdraftLimitAsync(account, 500)).AssertJsonAsync(HttpStatusCode.OK);
        await AssertEventAsync(alice, "account.overdraft_limit_changed", await alice.AccountAsync(account));
        await (await admin.AccountActionAsync(account, "freeze")).AssertJsonAsync(HttpStatusCode.OK);
        await AssertEventAsync(alice, "account.frozen", await alice.AccountAsync(account));
        await (await admin.AccountActionAsync(account, "unfreeze")).AssertJsonAsync(HttpStatusCode.OK);
        await AssertEventAsync(alice, "account.unfrozen", await alice.AccountAsync(account));

        // A change that changes nothing is no event.
        var count = (await alice.EventsAsync()).Count;
        await (await admin.AccountActionAsync(account, "unfreeze")).AssertJsonAsync(HttpStatusCode.OK);
        await (await admin.SetOverdraftLimitAsync(account, 500)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(count, (await alice.EventsAsync()).Count);

        var spare = await alice.OpenAccountAsync(name: "Spare");
        await (await admin.AccountActionAsync(spare, "close")).AssertJsonAsync(HttpStatusCode.OK);
        await AssertEventAsync(alice, "account.closed", await alice.AccountAsync(spare));
    }

    [Fact]
    public async Task A_batch_writes_one_event_per_transfer_in_its_order()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);

        var batch = await (await alice.PostBatchAsync([LedgerClient.Transfer(account, payee, 1), LedgerClient.Hold(account, payee, 2), LedgerClient.Transfer(account, payee, 3)]))
            .AssertJsonAsync(HttpStatusCode.Created);

        var ids = batch.GetProperty("transfers").EnumerateArray().Select(t => t.Id()).ToList();
        var events = (await alice.EventsAsync()).TakeLast(3).ToList();
        Assert.Equal(ids, events.Select(e => e.DataId()));
        Assert.Equal(["transfer.posted", "transfer.pending", "transfer.posted"], events.Select(e => e.Type()));
        Assert.True(JsonElement.DeepEquals(batch.GetProperty("transfers")[1], events[1].GetProperty("data")));
    }

    [Fact]
    public async Task A_transfer_between_two_accounts_of_one_customer_is_one_event_in_their_list()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, current) = await app.OpenFundedAccountAsync(admin, 100);
        var savings = await alice.OpenAccountAsync(name: "Savings");

        var moved = await (await alice.PostTransferAsync(LedgerClient.Transfer(current, savings, 30))).AssertJsonAsync(HttpStatusCode.Created);

        var about = (await alice.EventsAsync()).Where(e => e.DataId() == moved.Id()).ToList();
        Assert.Equal("transfer.posted", Assert.Single(about).Type());
    }

    [Fact]
    public async Task A_refused_transfer_batch_or_capture_writes_no_event()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 100);
        var (bob, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var aliceBefore = await alice.EventsAsync();
        var bobBefore = await bob.EventsAsync();
        var allBefore = await admin.EventsAsync();

        await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, 1_000))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        await (await alice.PostBatchAsync([LedgerClient.Transfer(account, payee, 50), LedgerClient.Transfer(account, payee, 1_000)]))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(account, payee, 80))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.CaptureAsync(hold.Id(), 200)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_exceeds_hold");
        await (await admin.AccountActionAsync(account, "close")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_not_empty");

        // Only the hold that applied.
        var added = Assert.Single((await alice.EventsAsync()).Skip(aliceBefore.Count));
        Assert.Equal(("transfer.pending", hold.Id()), (added.Type(), added.DataId()));
        Assert.Equal([added.Id()], (await bob.EventsAsync()).Skip(bobBefore.Count).Select(e => e.Id()));
        Assert.Equal([added.Id()], (await admin.EventsAsync()).Skip(allBefore.Count).Select(e => e.Id()));
    }

    [Fact]
    public async Task Under_concurrent_writers_ids_follow_commit_order_and_every_page_returns_each_event_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var senders = new List<(SignedIn Owner, string Account)>();
        for (var i = 0; i < 4; i++)
        {
            senders.Add(await app.OpenFundedAccountAsync(admin, 1_000));
        }

        var before = (await admin.EventsAsync()).Count;

        // Each client sends one after another; the clients run at once.
        var sent = await Task.WhenAll(senders.Select(async sender =>
        {
            var ids = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                ids.Add((await (await sender.Owner.PostTransferAsync(LedgerClient.Transfer(sender.Account, payee, 1))).AssertJsonAsync(HttpStatusCode.Created)).Id());
            }

            return ids;
        }));

        var paged = await admin.EventsAsync(limit: 7);
        var whole = await admin.EventsAsync(limit: 100);
        Assert.Equal(whole.Select(e => e.Id()), paged.Select(e => e.Id()));
        var ids = paged.Select(e => e.Id()).ToList();
        Assert.All(ids.Zip(ids.Skip(1)), pair => Assert.True(string.CompareOrdinal(pair.First, pair.Second) < 0, $"{pair.First} before {pair.Second}"));
        var transfers = paged.Skip(before).ToList();
        Assert.Equal(40, transfers.Count);
        Assert.All(transfers, e => Assert.Equal("transfer.posted", e.Type()));
        foreach (var (sender, mine) in senders.Zip(sent))
        {
            // A client's later transfer, committed after its earlier one was answered, has the later event.
            Assert.Equal(mine, transfers.Select(e => e.DataId()).Where(mine.Contains));
            var own = await sender.Owner.EventsAsync(limit: 3);
            Assert.Equal(mine, own.Where(e => e.Type() == "transfer.posted").Select(e => e.DataId()).Skip(1));
        }
    }

    [Fact]
    public async Task Accounts_opened_and_changed_while_money_moves_all_commit_with_their_events()
    {
        var admin = await app.SignInAsAdminAsync();
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        var customers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => app.RegisterAndSignInAsync()));

        // The three writers of events at once: the ledger writer, account opening, the operator's changes.
        var opened = Task.WhenAll(customers.Select(customer => customer.OpenAccountAsync()));
        var moved = Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, 1))).AssertJsonAsync(HttpStatusCode.Created)));
        var limits = Task.WhenAll(Enumerable.Range(1, 6).Select(async limit =>
            await (await admin.SetOverdraftLimitAsync(payee, limit)).AssertJsonAsync(HttpStatusCode.OK)));
        var accounts = await opened;
        await moved;
        await limits;

        foreach (var (customer, id) in customers.Zip(accounts))
        {
            Assert.Equal([("account.opened", id)], (await customer.EventsAsync()).Select(e => (e.Type(), e.DataId())));
        }

        Assert.Equal(10, (await alice.EventsAsync("transfer.posted")).Count(e => e.GetProperty("data").GetProperty("toAccountId").GetString() == payee));
        // Six different limits, each a change from the one before it: six events, the last one the limit that stays
        // (its balance is as of that change: transfers into the account went on around it).
        var changes = (await admin.EventsAsync("account.overdraft_limit_changed")).Where(e => e.DataId() == payee).ToList();
        Assert.Equal(6, changes.Count);
        Assert.Equal([1L, 2, 3, 4, 5, 6], changes.Select(e => e.GetProperty("data").GetProperty("overdraftLimit").GetInt64()).Order());
        Assert.Equal(
            (await admin.AccountAsync(payee)).GetProperty("overdraftLimit").GetInt64(),
            changes[^1].GetProperty("data").GetProperty("overdraftLimit").GetInt64());
    }

    [Fact]
    public async Task The_types_filter_keeps_only_the_types_asked_for_and_refuses_an_unknown_one()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 100);
        await (await admin.AccountActionAsync(account, "freeze")).AssertJsonAsync(HttpStatusCode.OK);

        var opened = await alice.EventsAsync("account.opened");
        var both = await alice.EventsAsync("transfer.posted, account.opened", limit: 1);
        var staffFrozen = await admin.EventsAsync("account.frozen");

        Assert.Equal([("account.opened", account)], opened.Select(e => (e.Type(), e.DataId())));
        Assert.Equal(["account.opened", "transfer.posted"], both.Select(e => e.Type()));
        Assert.Contains(staffFrozen, e => e.DataId() == account);
        Assert.All(staffFrozen, e => Assert.Equal("account.frozen", e.Type()));
        Assert.Equal(3, (await alice.EventsAsync("")).Count);
        await (await alice.Client.GetAsync("/v1/events?types=transfer.posted,transfer.bogus", TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await alice.Client.GetAsync("/v1/events?types=TRANSFER.POSTED", TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await alice.Client.GetAsync("/v1/events?cursor=not-a-cursor", TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task A_consumer_that_has_read_to_the_end_resumes_after_the_last_event_it_processed()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var read = await alice.EventsAsync();
        var last = read[^1].GetProperty("id").GetString()!;

        // Nothing new yet: an empty last page, not the old events again.
        var empty = await (await alice.Client.GetAsync($"/v1/events?after={last}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Empty(empty.GetProperty("items").EnumerateArray());

        var transfer = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 10), LedgerClient.NewKey())).AssertJsonAsync(HttpStatusCode.Created);
        var page = await (await alice.Client.GetAsync($"/v1/events?after={last}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var @event = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(("transfer.posted", transfer.Id()), (@event.Type(), @event.DataId()));
        Assert.True(string.CompareOrdinal(@event.GetProperty("id").GetString(), last) > 0);

        await (await alice.Client.GetAsync("/v1/events?after=evt_not-an-id", TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Another_customers_event_does_not_exist_for_them_and_staff_see_every_event()
    {
        var admin = await app.SignInAsAdminAsync();
        var alice = await app.RegisterAndSignInAsync();
        var bob = await app.RegisterAndSignInAsync();
        var account = await alice.OpenAccountAsync();
        var opened = Assert.Single(await alice.EventsAsync());

        await (await bob.EventAsync(opened.Id())).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain(await bob.EventsAsync(), e => e.Id() == opened.Id());
        Assert.Empty(await bob.EventsAsync());
        Assert.True(JsonElement.DeepEquals(opened, await (await admin.EventAsync(opened.Id())).AssertJsonAsync(HttpStatusCode.OK)));
        Assert.Contains(await admin.EventsAsync(), e => e.Id() == opened.Id());
        Assert.Equal(account, opened.DataId());
        foreach (var malformed in new[] { "evt_0000000000000", "evt_zzzzzzzzzzzzz", "evt_1", account, "evt_%2e%2e", "EVT_0000000000001" })
        {
            await (await alice.EventAsync(malformed)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        await (await alice.EventAsync("evt_7zzzzzzzzzzzz")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_event_body_is_the_one_json_form_with_a_utc_timestamp_from_the_commit()
    {
        var alice = await app.RegisterAndSignInAsync();
        var before = DateTimeOffset.UtcNow.AddMinutes(-11);
        await alice.OpenAccountAsync();
        var opened = Assert.Single(await alice.EventsAsync());

        var response = await alice.EventAsync(opened.Id());
        var body = await response.BodyAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith($"{{\"id\":\"{opened.Id()}\",\"type\":\"account.opened\",\"createdAt\":\"", body, StringComparison.Ordinal);
        Assert.Matches("^evt_[0-9a-hjkmnp-tv-z]{13}$", opened.Id());
        var createdAt = opened.GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.Zero, createdAt.Offset);
        Assert.InRange(createdAt, before, DateTimeOffset.UtcNow.AddMinutes(1));
    }

    /// <summary>The newest event of <paramref name="type"/> about <paramref name="resource"/> that <paramref name="reader"/> sees carries it exactly, and reads the same by id.</summary>
    private static async Task<JsonElement> AssertEventAsync(SignedIn reader, string type, JsonElement resource)
    {
        var found = (await reader.EventsAsync()).LastOrDefault(e => e.Type() == type && e.DataId() == resource.Id());
        Assert.True(found.ValueKind == JsonValueKind.Object, $"No {type} event about {resource.Id()}.");
        Assert.True(JsonElement.DeepEquals(resource, found.GetProperty("data")), $"{type}: {found.GetProperty("data")} is not {resource}");
        var byId = await (await reader.EventAsync(found.Id())).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(JsonElement.DeepEquals(found, byId), $"{found} read by id is {byId}");
        return found;
    }

    private static async Task<JsonElement> TransferAsync(SignedIn reader, string transferId) =>
        await (await reader.GetTransferAsync(transferId)).AssertJsonAsync(HttpStatusCode.OK);
}

public sealed class EventsOnSqlite(SqliteApp app) : EventsTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class EventsOnSqlServer(SqlServerApp app) : EventsTests<SqlServerApp>(app);
