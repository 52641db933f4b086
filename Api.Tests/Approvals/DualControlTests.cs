using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Approvals;

public sealed class DualControlTests(DualControlApp app) : IClassFixture<DualControlApp>
{
    private const long Threshold = DualControlApp.Threshold;

    [Fact]
    public async Task Below_the_threshold_a_staff_deposit_moves_money_at_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, Threshold - 1);

        Assert.Equal(new Balance(Threshold - 1, 0, Threshold - 1), await alice.BalanceAsync(account));
        // A currency without a threshold needs no approval at any amount.
        var dollars = await alice.OpenAccountAsync("USD");
        await admin.DepositAsync(dollars, Threshold * 100, "USD");
        Assert.Equal(Threshold * 100, (await alice.BalanceAsync(dollars)).Posted);
    }

    [Fact]
    public async Task At_the_threshold_a_deposit_waits_for_another_member_of_staff_and_then_moves_exactly_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var checker = await OperatorAsync(admin);
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();

        var response = await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = Threshold, currency = "EUR", description = "Wire" }, key);

        var approval = await response.AssertJsonAsync(HttpStatusCode.Accepted);
        Assert.StartsWith("apr_", approval.Id(), StringComparison.Ordinal);
        Assert.Equal($"/v1/approvals/{approval.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal("pending", approval.Status());
        Assert.Equal("deposit", approval.GetProperty("operation").GetString());
        Assert.Equal(admin.UserId, approval.GetProperty("requestedBy").GetString());
        var request = approval.GetProperty("request");
        Assert.Equal(account, request.GetProperty("accountId").GetString());
        Assert.Equal(Threshold, request.GetProperty("amount").GetInt64());
        Assert.Equal("EUR", request.GetProperty("currency").GetString());
        Assert.Equal(new Balance(0, 0, 0), await alice.BalanceAsync(account));

        // A retry replays the 202: no second approval, still nothing moved.
        var replay = await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = Threshold, currency = "EUR", description = "Wire" }, key);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.True(replay.IsReplayed());
        Assert.Equal(approval.ToString(), (await replay.AssertJsonAsync(HttpStatusCode.Accepted)).ToString());
        Assert.Equal(response.Headers.Location, replay.Headers.Location);
        Assert.Single(await ListAsync(checker, "pending"), a => a.GetProperty("request").GetProperty("accountId").GetString() == account);

        // The maker cannot check their own request.
        await (await ApproveAsync(admin, approval.Id())).AssertProblemAsync(HttpStatusCode.Forbidden, "approval_by_requester");
        Assert.Equal(new Balance(0, 0, 0), await alice.BalanceAsync(account));

        var approved = await (await ApproveAsync(checker, approval.Id())).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal("approved", approved.Status());
        Assert.Equal(checker.UserId, approved.GetProperty("decidedBy").GetString());
        var transferId = approved.GetProperty("transferId").GetString()!;
        var transfer = await (await alice.GetTransferAsync(transferId)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(Threshold, transfer.GetProperty("amount").GetInt64());
        Assert.Equal(account, transfer.GetProperty("toAccountId").GetString());
        Assert.Equal(new Balance(Threshold, 0, Threshold), await alice.BalanceAsync(account));
        Assert.Equal(approved.ToString(), (await (await checker.Client.GetAsync($"/v1/approvals/{approval.Id()}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK)).ToString());

        // Decided once: approving again, or rejecting now, changes nothing.
        await (await ApproveAsync(checker, approval.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "approval_not_pending");
        await (await RejectAsync(admin, approval.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "approval_not_pending");
        Assert.Single(await alice.EntriesAsync(account));
        Assert.Contains(await ListAsync(checker, "approved"), a => a.Id() == approval.Id());
        Assert.DoesNotContain(await ListAsync(checker, "pending"), a => a.Id() == approval.Id());
    }

    [Fact]
    public async Task Two_approvals_at_once_move_the_money_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var first = await OperatorAsync(admin);
        var second = await OperatorAsync(admin);
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);
        var approval = await RequestDepositAsync(admin, account, Threshold * 3);

        var answers = await Task.WhenAll(ApproveAsync(first, approval), ApproveAsync(second, approval), ApproveAsync(first, approval));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "approval_not_pending");
        }

        Assert.Equal(new Balance(Threshold * 3, 0, Threshold * 3), await alice.BalanceAsync(account));
        Assert.Single(await alice.EntriesAsync(account));
    }

    [Fact]
    public async Task Approve_racing_reject_has_exactly_one_winner()
    {
        var admin = await app.SignInAsAdminAsync();
        var checker = await OperatorAsync(admin);
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);
        var approval = await RequestDepositAsync(admin, account, Threshold);

        var answers = await Task.WhenAll(ApproveAsync(checker, approval), RejectAsync(admin, approval));

        var winner = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        await Assert.Single(answers, a => a.StatusCode != HttpStatusCode.OK).AssertProblemAsync(HttpStatusCode.Conflict, "approval_not_pending");
        var decided = await winner.AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(decided.Status() == "approved" ? Threshold : 0, (await alice.BalanceAsync(account)).Posted);
    }

    [Fact]
    public async Task A_rejected_request_moves_nothing_and_cannot_be_approved_afterwards()
    {
        var admin = await app.SignInAsAdminAsync();
        var checker = await OperatorAsync(admin);
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);
        var approval = await RequestDepositAsync(admin, account, Threshold);

        var rejected = await (await RejectAsync(checker, approval)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal("rejected", rejected.Status());
        Assert.Equal(checker.UserId, rejected.GetProperty("decidedBy").GetString());
        Assert.False(rejected.TryGetProperty("transferId", out var none) && none.ValueKind != JsonValueKind.Null);
        await (await ApproveAsync(checker, approval)).AssertProblemAsync(HttpStatusCode.Conflict, "approval_not_pending");
        Assert.Equal(new Balance(0, 0, 0), await alice.BalanceAsync(account));
        Assert.Contains(await ListAsync(checker, "rejected"), a => a.Id() == approval);
    }

    [Fact]
    public async Task Withdrawals_and_reversals_by_staff_wait_too_and_a_refusal_at_approval_leaves_it_pending()
    {
        var admin = await app.SignInAsAdminAsync();
        var checker = await OperatorAsync(admin);
        var (alice, account) = await app.OpenFundedAccountAsync(admin, Threshold - 1);
        var (bob, payee) = await app.OpenFundedAccountAsync(admin, 0);

        // More than the account holds: asked for, but refused when approved; the approval stays pending.
        var withdrawal = await (await admin.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = account, amount = Threshold, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("withdrawal", withdrawal.GetProperty("operation").GetString());
        await (await ApproveAsync(checker, withdrawal.Id())).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal("pending", (await GetAsync(checker, withdrawal.Id())).Status());

        // A customer's own reversal is never held back, whatever the amount.
        var paid = await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, Threshold - 1))).AssertJsonAsync(HttpStatusCode.Created);
        await (await bob.ReverseAsync(paid.Id(), 1)).AssertJsonAsync(HttpStatusCode.Created);

        // Staff reversing what is left below the threshold moves it at once; a larger one waits.
        Assert.Equal(Threshold - 2, (await (await admin.ReverseAsync(paid.Id())).AssertJsonAsync(HttpStatusCode.Created)).GetProperty("amount").GetInt64());
        var deposit = await RequestDepositAsync(admin, account, Threshold * 2);
        await (await ApproveAsync(checker, deposit)).AssertJsonAsync(HttpStatusCode.OK);
        var large = await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, Threshold + 5))).AssertJsonAsync(HttpStatusCode.Created);
        var asked = await (await admin.ReverseAsync(large.Id())).AssertJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("reversal", asked.GetProperty("operation").GetString());
        Assert.Equal(large.Id(), asked.GetProperty("request").GetProperty("transferId").GetString());
        Assert.Equal(Threshold + 5, asked.GetProperty("request").GetProperty("amount").GetInt64());
        Assert.False((await (await alice.GetTransferAsync(large.Id())).AssertJsonAsync(HttpStatusCode.OK)).TryGetProperty("reversedAmount", out _));

        var approved = await (await ApproveAsync(checker, asked.Id())).AssertJsonAsync(HttpStatusCode.OK);

        var reversal = await (await alice.GetTransferAsync(approved.GetProperty("transferId").GetString()!)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(large.Id(), reversal.GetProperty("reversalOf").GetString());
        Assert.Equal(Threshold + 5, (await (await alice.GetTransferAsync(large.Id())).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("reversedAmount").GetInt64());
        await (await admin.ReverseAsync(large.Id(), 1)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "reversal_exceeds_original");
    }

    [Fact]
    public async Task Every_step_is_in_the_audit_log_and_the_event_log_for_staff_only()
    {
        var admin = await app.SignInAsAdminAsync();
        var checker = await OperatorAsync(admin);
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);
        var approved = await RequestDepositAsync(admin, account, Threshold);
        var rejected = await RequestDepositAsync(admin, account, Threshold);

        await (await ApproveAsync(checker, approved)).AssertJsonAsync(HttpStatusCode.OK);
        await (await RejectAsync(checker, rejected)).AssertJsonAsync(HttpStatusCode.OK);

        var audit = await AuditAsync(admin);
        Assert.Contains(audit, r => r.Action == "ApprovalRequested" && r.Target == approved && r.ActorId == admin.UserId && r.Details == "operation deposit");
        Assert.Contains(audit, r => r.Action == "ApprovalRequested" && r.Target == rejected);
        Assert.Contains(audit, r => r.Action == "ApproveApproval" && r.Target == approved && r.ActorId == checker.UserId);
        Assert.Contains(audit, r => r.Action == "RejectApproval" && r.Target == rejected && r.ActorId == checker.UserId);

        var events = await admin.EventsAsync("approval.requested,approval.decided");
        Assert.Equal(["approval.requested", "approval.requested", "approval.decided", "approval.decided"],
            events.Where(e => e.DataId() == approved || e.DataId() == rejected).Select(e => e.Type()));
        Assert.Equal("approved", events.Last(e => e.DataId() == approved).GetProperty("data").Status());
        Assert.Empty(await alice.EventsAsync("approval.requested,approval.decided"));
        // The deposit itself is the customer's to see, as any deposit.
        Assert.Single(await alice.EventsAsync("transfer.posted"));
    }

    [Fact]
    public async Task Customers_have_no_approvals_to_see_or_decide()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);
        var approval = await RequestDepositAsync(admin, account, Threshold);

        await (await alice.Client.GetAsync("/v1/approvals", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await alice.Client.GetAsync($"/v1/approvals/{approval}", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await ApproveAsync(alice, approval)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await RejectAsync(alice, approval)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("pending", (await GetAsync(admin, approval)).Status());
        await (await admin.Client.GetAsync("/v1/approvals/apr_00000000000000000000000000", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await ApproveAsync(admin, "apr_00000000000000000000000000")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await RejectAsync(admin, "nonsense")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.Client.GetAsync("/v1/approvals?status=maybe", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task An_approval_not_decided_in_time_expires()
    {
        var admin = await app.SignInAsAdminAsync();
        var checker = await OperatorAsync(admin);
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);
        var approval = await RequestDepositAsync(admin, account, Threshold);

        app.Clock.Advance(DualControlApp.Expiry + TimeSpan.FromSeconds(1));
        admin = await app.SignInAsAdminAsync();

        Assert.Equal("expired", (await GetAsync(admin, approval)).Status());
        Assert.Contains(await ListAsync(admin, "expired"), a => a.Id() == approval);
        Assert.DoesNotContain(await ListAsync(admin, "pending"), a => a.Id() == approval);
        await (await ApproveAsync(checker, approval)).AssertProblemAsync(HttpStatusCode.Conflict, "approval_expired");
        await (await RejectAsync(admin, approval)).AssertProblemAsync(HttpStatusCode.Conflict, "approval_expired");
        Assert.Equal(new Balance(0, 0, 0), await alice.BalanceAsync(account));
    }

    /// <summary>A second member of staff: a new user given the operator role by the admin.</summary>
    private async Task<SignedIn> OperatorAsync(SignedIn admin)
    {
        const string Password = "correct horse battery";
        var user = await app.RegisterAndSignInAsync(password: Password);
        await (await admin.Client.PutAsJsonAsync($"/v1/admin/users/{user.UserId}/roles", new { roles = new[] { "operator" } }, TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);
        return await app.SignInAsync(user.Email, Password, user.UserId);
    }

    private static async Task<string> RequestDepositAsync(SignedIn staff, string accountId, long amount) =>
        (await (await staff.Client.PostWithKeyAsync("/v1/deposits", new { accountId, amount, currency = "EUR" }, LedgerClient.NewKey())).AssertJsonAsync(HttpStatusCode.Accepted)).Id();

    private static Task<HttpResponseMessage> ApproveAsync(SignedIn staff, string id) =>
        staff.Client.PostAsync($"/v1/approvals/{id}/approve", content: null, TestContext.Current.CancellationToken);

    private static Task<HttpResponseMessage> RejectAsync(SignedIn staff, string id) =>
        staff.Client.PostAsync($"/v1/approvals/{id}/reject", content: null, TestContext.Current.CancellationToken);

    private static async Task<JsonElement> GetAsync(SignedIn staff, string id) =>
        await (await staff.Client.GetAsync($"/v1/approvals/{id}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);

    /// <summary>Every approval of <paramref name="status"/>, following nextCursor.</summary>
    private static async Task<List<JsonElement>> ListAsync(SignedIn staff, string status)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await (await staff.Client.GetAsync($"/v1/approvals?status={status}&limit=100" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), TestContext.Current.CancellationToken))
                .AssertJsonAsync(HttpStatusCode.OK);
            all.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.All(all, a => Assert.Equal(status, a.Status()));
        return all;
    }

    private sealed record AuditRow(string Action, string? ActorId, string? Target, string? Details);

    private static async Task<List<AuditRow>> AuditAsync(SignedIn admin)
    {
        var page = await (await admin.Client.GetAsync("/v1/admin/audit?limit=100", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        return page.GetProperty("items").Deserialize<List<AuditRow>>(JsonSerializerOptions.Web)!;
    }
}
