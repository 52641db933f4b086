using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Events;

/// <summary>What depends on time: a hold's expiry is an event, and events past their retention are purged.</summary>
public sealed class EventClockTests(EventClockApp app) : IClassFixture<EventClockApp>
{
    [Fact]
    public async Task The_expiry_job_voiding_a_hold_writes_transfer_expired()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 100);
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(account, payee, 40, app.Clock.GetUtcNow().AddSeconds(10)))).AssertJsonAsync(HttpStatusCode.Created);

        app.Clock.Advance(TimeSpan.FromSeconds(11));
        await LedgerClient.WaitUntilAsync(async () => (await alice.EventsAsync("transfer.expired")).Count == 1, TimeSpan.FromSeconds(30), "the hold's expiry is an event");

        var expired = Assert.Single(await alice.EventsAsync("transfer.expired"));
        var transfer = await (await alice.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("voided", transfer.Status());
        Assert.True(JsonElement.DeepEquals(transfer, expired.GetProperty("data")));
    }

    [Fact]
    public async Task Events_past_the_retention_are_purged_and_newer_ones_kept()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 100);
        var old = await alice.EventsAsync();
        Assert.Equal(2, old.Count);

        app.Clock.Advance(EventClockApp.Retention + TimeSpan.FromSeconds(1));
        await (await admin.AccountActionAsync(account, "freeze")).AssertJsonAsync(HttpStatusCode.OK);
        await LedgerClient.WaitUntilAsync(async () => (await alice.EventAsync(old[1].Id())).StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30), "the old events are purged");

        var left = Assert.Single(await alice.EventsAsync());
        Assert.Equal("account.frozen", left.Type());
        await (await alice.EventAsync(old[0].Id())).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain(await admin.EventsAsync(), e => old.Any(o => o.Id() == e.Id()));
    }
}
