using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

/// <summary>A transfer's <c>reference</c>: the client's id for it, unique per source account, checked by the ledger writer.</summary>
public abstract class TransferReferenceTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task A_reference_is_kept_and_shown_on_the_transfer_and_its_event()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var reference = $"pay-{Guid.NewGuid():N}";

        var created = await (await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", reference }))
            .AssertJsonAsync(HttpStatusCode.Created);
        var read = await (await alice.GetTransferAsync(created.Id())).AssertJsonAsync(HttpStatusCode.OK);
        var events = await (await alice.Client.GetAsync("/v1/events?types=transfer.posted&limit=100", TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(reference, created.GetProperty("reference").GetString());
        Assert.Equal(reference, read.GetProperty("reference").GetString());
        var posted = Assert.Single(events.GetProperty("items").EnumerateArray(), e => e.GetProperty("data").GetProperty("id").GetString() == created.Id());
        Assert.Equal(reference, posted.GetProperty("data").GetProperty("reference").GetString());
    }

    [Fact]
    public void A_request_without_a_reference_hashes_for_its_Idempotency_Key_as_before_the_member_existed()
    {
        var request = new Strongroom.Features.Transfers.CreateTransferRequest("acc_a", "acc_b", 100, "EUR");

        var json = System.Text.Json.JsonSerializer.Serialize(request, Strongroom.Features.StrongroomJsonContext.Default.CreateTransferRequest);

        Assert.DoesNotContain("reference", json, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"reference\":\"r-1\"", System.Text.Json.JsonSerializer.Serialize(request with { Reference = "r-1" }, Strongroom.Features.StrongroomJsonContext.Default.CreateTransferRequest));
    }

    [Fact]
    public async Task A_transfer_without_a_reference_shows_null()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var created = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 10))).AssertJsonAsync(HttpStatusCode.Created);

        Assert.Equal(System.Text.Json.JsonValueKind.Null, created.GetProperty("reference").ValueKind);
    }

    [Fact]
    public async Task The_same_reference_from_the_same_account_again_is_reference_taken_and_moves_nothing()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var reference = $"pay-{Guid.NewGuid():N}";
        await (await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", reference }))
            .AssertJsonAsync(HttpStatusCode.Created);

        var again = await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 200L, currency = "EUR", reference });

        await again.AssertProblemAsync(HttpStatusCode.Conflict, "reference_taken");
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task Two_transfers_of_one_batch_with_the_same_source_and_reference_refuse_the_batch_naming_the_second()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var reference = $"pay-{Guid.NewGuid():N}";

        var response = await alice.PostBatchAsync(
        [
            new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", reference },
            new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", reference },
        ]);

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict, "reference_taken");
        Assert.Equal(1, problem.GetProperty("index").GetInt32());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));

        // Nothing of the refused batch stays behind: the reference is still free.
        await (await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", reference }))
            .AssertJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Two_requests_with_the_same_reference_in_flight_together_apply_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var reference = $"pay-{Guid.NewGuid():N}";

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", reference })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task A_replay_of_the_same_request_is_not_reference_taken()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var body = new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", reference = $"pay-{Guid.NewGuid():N}" };
        var key = LedgerClient.NewKey();

        var first = await alice.PostTransferAsync(body, key);
        var replay = await alice.PostTransferAsync(body, key);

        var created = await first.AssertJsonAsync(HttpStatusCode.Created);
        var replayed = await replay.AssertJsonAsync(HttpStatusCode.Created);
        Assert.True(replay.IsReplayed());
        Assert.Equal(created.ToString(), replayed.ToString());
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task The_same_reference_from_different_source_accounts_is_allowed()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, first) = await app.OpenFundedAccountAsync(admin, 1_000);
        var second = await alice.OpenAccountAsync();
        await admin.DepositAsync(second, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var reference = $"pay-{Guid.NewGuid():N}";

        var fromFirst = await alice.PostTransferAsync(new { fromAccountId = first, toAccountId = to, amount = 100L, currency = "EUR", reference });
        // In one batch too: the same reference from the other account, beside another from the first.
        var batch = await alice.PostBatchAsync(
        [
            new { fromAccountId = second, toAccountId = to, amount = 100L, currency = "EUR", reference },
            new { fromAccountId = first, toAccountId = to, amount = 1L, currency = "EUR", reference = reference + "-b" },
        ]);

        await fromFirst.AssertJsonAsync(HttpStatusCode.Created);
        await batch.AssertJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_deposit_may_carry_a_reference_unique_among_deposits_of_its_currency()
    {
        var admin = await app.SignInAsAdminAsync();
        var (_, account) = await app.OpenFundedAccountAsync(admin, 0);
        var reference = $"wire-{Guid.NewGuid():N}";

        var first = await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = 500L, currency = "EUR", reference }, LedgerClient.NewKey());
        var again = await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = 500L, currency = "EUR", reference }, LedgerClient.NewKey());

        Assert.Equal(reference, (await first.AssertJsonAsync(HttpStatusCode.Created)).GetProperty("reference").GetString());
        await again.AssertProblemAsync(HttpStatusCode.Conflict, "reference_taken");
    }

    [Theory]
    [InlineData("")]
    [InlineData("line\nbreak")]
    public async Task An_empty_or_control_character_reference_is_a_400(string reference)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", reference });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_reference_longer_than_128_characters_is_a_validation_problem()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var longest = await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 1L, currency = "EUR", reference = new string('r', 128) });
        var tooLong = await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 1L, currency = "EUR", reference = new string('r', 129) });

        await longest.AssertJsonAsync(HttpStatusCode.Created);
        await tooLong.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var inBatch = await alice.PostBatchAsync([new { fromAccountId = from, toAccountId = to, amount = 1L, currency = "EUR", reference = new string('r', 129) }]);
        var problem = await inBatch.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("transfers[0].reference", out _), problem.ToString());
        var deposit = await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = 1L, currency = "EUR", reference = "" }, LedgerClient.NewKey());
        await deposit.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(new Balance(999, 0, 999), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task Metadata_is_limited_to_16_pairs_keys_of_1_to_40_and_values_of_500()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        async Task<HttpResponseMessage> PostAsync(Dictionary<string, string> metadata) =>
            await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = 1L, currency = "EUR", metadata });

        await (await PostAsync(Enumerable.Range(0, 16).ToDictionary(i => $"key{i}", _ => new string('v', 500)))).AssertJsonAsync(HttpStatusCode.Created);
        await (await PostAsync(Enumerable.Range(0, 17).ToDictionary(i => $"key{i}", _ => "v"))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await PostAsync(new() { [new string('k', 40)] = "v" })).AssertJsonAsync(HttpStatusCode.Created);
        await (await PostAsync(new() { [new string('k', 41)] = "v" })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await PostAsync(new() { [""] = "v" })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await PostAsync(new() { ["k"] = new string('v', 501) })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }
}

public sealed class TransferReferencesOnSqlite(SqliteApp app) : TransferReferenceTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class TransferReferencesOnSqlServer(SqlServerApp app) : TransferReferenceTests<SqlServerApp>(app);
