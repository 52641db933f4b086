using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

public abstract class HoldTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task A_hold_reserves_money_without_posting_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300));

        var hold = await response.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal("pending", hold.Status());
        Assert.Equal(300, hold.GetProperty("amount").GetInt64());
        Assert.Equal(0, hold.GetProperty("capturedAmount").GetInt64());
        var expiresAt = hold.GetProperty("holdExpiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt, DateTimeOffset.UtcNow.AddDays(7).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7).AddMinutes(5));
        Assert.Equal(new Balance(1_000, -300, 700), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 300, 0), await bob.BalanceAsync(to));
        Assert.DoesNotContain(await alice.EntriesAsync(from), entry => entry.TransferId == hold.Id());
        Assert.Empty(await bob.EntriesAsync(to));

        // What is reserved cannot be spent twice.
        var beyondAvailable = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 701));
        await beyondAvailable.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
    }

    [Fact]
    public async Task Capturing_a_hold_in_full_posts_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        var captured = await (await alice.CaptureAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(hold.Id(), captured.Id());
        Assert.Equal("posted", captured.Status());
        Assert.Equal(300, captured.GetProperty("capturedAmount").GetInt64());
        Assert.Equal(new Balance(700, 0, 700), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(300, 0, 300), await bob.BalanceAsync(to));
        Assert.Equal(-300, Assert.Single(await alice.EntriesAsync(from), entry => entry.TransferId == hold.Id()).Amount);
        Assert.Equal(300, Assert.Single(await bob.EntriesAsync(to)).Amount);
        var read = await (await bob.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(captured.ToString(), read.ToString());
    }

    [Fact]
    public async Task Capturing_part_of_a_hold_posts_that_part_and_releases_the_rest()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        var captured = await (await alice.CaptureAsync(hold.Id(), 120)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal("posted", captured.Status());
        Assert.Equal(300, captured.GetProperty("amount").GetInt64());
        Assert.Equal(120, captured.GetProperty("capturedAmount").GetInt64());
        Assert.Equal(new Balance(880, 0, 880), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(120, 0, 120), await bob.BalanceAsync(to));
        var debit = Assert.Single(await alice.EntriesAsync(from), entry => entry.TransferId == hold.Id());
        var credit = Assert.Single(await bob.EntriesAsync(to));
        Assert.Equal(-120, debit.Amount);
        Assert.Equal(880, debit.BalanceAfter);
        Assert.Equal(120, credit.Amount);
        Assert.Equal(hold.Id(), credit.TransferId);
    }

    [Fact]
    public async Task Voiding_a_hold_releases_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        var voided = await (await alice.VoidAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal("voided", voided.Status());
        Assert.Equal(0, voided.GetProperty("capturedAmount").GetInt64());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
        Assert.DoesNotContain(await alice.EntriesAsync(from), entry => entry.TransferId == hold.Id());
        Assert.Empty(await bob.EntriesAsync(to));
        Assert.Equal("voided", (await (await alice.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
    }

    [Fact]
    public async Task Only_a_pending_hold_can_be_captured_or_voided()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var voidedHold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 100))).AssertJsonAsync(HttpStatusCode.Created);
        var capturedHold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 200))).AssertJsonAsync(HttpStatusCode.Created);
        var plain = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 50))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.VoidAsync(voidedHold.Id())).AssertJsonAsync(HttpStatusCode.OK);
        await (await alice.CaptureAsync(capturedHold.Id())).AssertJsonAsync(HttpStatusCode.OK);

        await (await alice.CaptureAsync(voidedHold.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
        await (await alice.VoidAsync(voidedHold.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
        await (await alice.CaptureAsync(capturedHold.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
        await (await alice.VoidAsync(capturedHold.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
        await (await alice.CaptureAsync(plain.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
        await (await alice.VoidAsync(plain.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");

        Assert.Equal(new Balance(750, 0, 750), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(250, 0, 250), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task Capturing_more_than_the_hold_is_refused_and_leaves_it_pending()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        var tooMuch = await alice.CaptureAsync(hold.Id(), 301);
        var zero = await alice.CaptureAsync(hold.Id(), 0);

        await tooMuch.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_exceeds_hold");
        await zero.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("pending", (await (await alice.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal(new Balance(1_000, -300, 700), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task Only_the_source_owner_or_staff_may_capture_or_void()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);

        var byReceiver = await bob.CaptureAsync(hold.Id());
        var voidByReceiver = await bob.VoidAsync(hold.Id());
        var byStaff = await admin.CaptureAsync(hold.Id(), 100);

        await byReceiver.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await voidByReceiver.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(100, (await byStaff.AssertJsonAsync(HttpStatusCode.OK)).GetProperty("capturedAmount").GetInt64());
        Assert.Equal(new Balance(100, 0, 100), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task Staff_may_void_a_customers_hold_and_the_money_is_released()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(1_000, -300, 700), await alice.BalanceAsync(from));

        var voided = await (await admin.VoidAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal("voided", voided.Status());
        Assert.Equal(0, voided.GetProperty("capturedAmount").GetInt64());
        Assert.Equal("voided", (await (await alice.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
        await (await alice.CaptureAsync(hold.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
    }

    [Fact]
    public async Task A_hold_cannot_be_captured_onto_a_frozen_account_but_can_still_be_released()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300))).AssertJsonAsync(HttpStatusCode.Created);
        await (await admin.AccountActionAsync(to, "freeze")).AssertJsonAsync(HttpStatusCode.OK);

        var capture = await alice.CaptureAsync(hold.Id());

        await capture.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_frozen");
        Assert.Equal("pending", (await (await alice.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal(new Balance(1_000, -300, 700), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 300, 0), await bob.BalanceAsync(to));
        // Releasing moves nothing into the frozen account, so it is allowed.
        Assert.Equal("voided", (await (await alice.VoidAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_pending_hold_uses_up_the_overdraft_limit_as_posted_money_does()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 100);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        await (await admin.SetOverdraftLimitAsync(from, 200)).AssertJsonAsync(HttpStatusCode.OK);

        // 100 posted plus 200 of overdraft: 300 may leave, held or posted.
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 250))).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(100, -250, -150), await alice.BalanceAsync(from));
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 51))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 50))).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(50, -250, -200), await alice.BalanceAsync(from));
        await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 1))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");

        // Capturing what was already reserved needs no more room; releasing the rest gives it back.
        await (await alice.CaptureAsync(hold.Id(), 200)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(new Balance(-150, 0, -150), await alice.BalanceAsync(from));
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 50))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal(new Balance(-200, 0, -200), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task A_hold_expiry_must_be_in_the_future_and_only_on_a_hold()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var past = await alice.PostTransferAsync(LedgerClient.Hold(from, to, 100, DateTimeOffset.UtcNow.AddMinutes(-1)));
        var notAHold = await alice.PostTransferAsync(new
        {
            fromAccountId = from,
            toAccountId = to,
            amount = 100L,
            currency = "EUR",
            hold = false,
            holdExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        });

        await past.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await notAHold.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task When_capture_and_void_race_exactly_one_wins_each_hold()
    {
        // Enough holds that both sides win some: a race only took place if both outcomes happened.
        const int Holds = 20;
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 100 * Holds * (Holds + 1) / 2);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var holds = new List<(string Id, long Amount)>();
        for (var i = 1; i <= Holds; i++)
        {
            var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 100 * i))).AssertJsonAsync(HttpStatusCode.Created);
            holds.Add((hold.Id(), 100 * i));
        }

        var captures = new Task<HttpResponseMessage>[Holds];
        var voids = new Task<HttpResponseMessage>[Holds];
        for (var i = 0; i < Holds; i++)
        {
            // Alternate which request leaves first, so neither side always has a head start.
            if (i % 2 == 0)
            {
                captures[i] = alice.CaptureAsync(holds[i].Id);
                voids[i] = alice.VoidAsync(holds[i].Id);
            }
            else
            {
                voids[i] = alice.VoidAsync(holds[i].Id);
                captures[i] = alice.CaptureAsync(holds[i].Id);
            }
        }

        var captureResponses = await Task.WhenAll(captures);
        var voidResponses = await Task.WhenAll(voids);

        long capturedTotal = 0;
        var captureWins = 0;
        for (var i = 0; i < Holds; i++)
        {
            var (capture, @void) = (captureResponses[i], voidResponses[i]);
            var captureWon = capture.StatusCode == HttpStatusCode.OK;
            var winner = await (captureWon ? capture : @void).AssertJsonAsync(HttpStatusCode.OK);
            await (captureWon ? @void : capture).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
            Assert.Equal(captureWon ? "posted" : "voided", winner.Status());
            var read = await (await alice.GetTransferAsync(holds[i].Id)).AssertJsonAsync(HttpStatusCode.OK);
            Assert.Equal(winner.Status(), read.Status());
            capturedTotal += captureWon ? holds[i].Amount : 0;
            captureWins += captureWon ? 1 : 0;
        }

        Assert.True(captureWins is > 0 and < Holds, $"Captures won {captureWins} of {Holds} holds: one side always won, so nothing raced.");
        var funds = 100L * Holds * (Holds + 1) / 2;
        Assert.Equal(new Balance(funds - capturedTotal, 0, funds - capturedTotal), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(capturedTotal, 0, capturedTotal), await bob.BalanceAsync(to));
        Assert.Equal(capturedTotal, (await bob.EntriesAsync(to)).Sum(entry => entry.Amount));
    }
}

public sealed class HoldsOnSqlite(SqliteApp app) : HoldTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class HoldsOnSqlServer(SqlServerApp app) : HoldTests<SqlServerApp>(app);

public sealed class HoldExpiryTests(FastHoldExpiryApp app) : IClassFixture<FastHoldExpiryApp>
{
    [Fact]
    public async Task A_hold_past_its_expiry_is_voided_and_its_money_released()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var longLived = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 200))).AssertJsonAsync(HttpStatusCode.Created);

        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300, app.Clock.GetUtcNow().AddMinutes(1)))).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal("pending", hold.Status());
        Assert.Equal(new Balance(1_000, -500, 500), await alice.BalanceAsync(from));

        app.Clock.Advance(TimeSpan.FromMinutes(2));

        JsonElement current = default;
        await LedgerClient.WaitUntilAsync(async () =>
        {
            current = await (await alice.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK);
            return current.Status() != "pending";
        }, TimeSpan.FromSeconds(20), "the hold has expired");

        Assert.Equal("voided", current.Status());
        Assert.Equal(0, current.GetProperty("capturedAmount").GetInt64());
        Assert.Equal(new Balance(1_000, -200, 800), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 200, 0), await bob.BalanceAsync(to));
        await (await alice.CaptureAsync(hold.Id())).AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
        Assert.Equal("pending", (await (await alice.GetTransferAsync(longLived.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
    }
}

public sealed class ExpiredHoldCaptureTests(IdleHoldExpiryApp app) : IClassFixture<IdleHoldExpiryApp>
{
    [Fact]
    public async Task A_hold_past_its_expiry_cannot_be_captured_even_before_the_expiry_job_voids_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var expiring = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 300, app.Clock.GetUtcNow().AddMinutes(1)))).AssertJsonAsync(HttpStatusCode.Created);
        var later = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 200, app.Clock.GetUtcNow().AddMinutes(10)))).AssertJsonAsync(HttpStatusCode.Created);

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        var capture = await alice.CaptureAsync(expiring.Id());
        var partial = await alice.CaptureAsync(expiring.Id(), 100);

        await capture.AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
        await partial.AssertProblemAsync(HttpStatusCode.Conflict, "hold_not_pending");
        Assert.Equal(new Balance(1_000, -500, 500), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 500, 0), await bob.BalanceAsync(to));
        Assert.Empty(await bob.EntriesAsync(to));
        // A hold still within its time on the same clock is captured as usual.
        Assert.Equal("posted", (await (await alice.CaptureAsync(later.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal(new Balance(200, 300, 200), await bob.BalanceAsync(to));
    }
}
