using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>
/// The whole path with real money: a deposit, a transfer, an account change and an asynchronous
/// request that fails each commit their events with the change, and the endpoints of the people
/// who may see them receive exactly those events, signed (verified with the StandardWebhooks
/// package), each body byte for byte what <c>GET /v1/events/{id}</c> answers and its data what
/// the resource's own GET answers; nobody else's endpoint receives anything.
/// </summary>
public sealed class WebhookLedgerTests(WebhookApp app) : IClassFixture<WebhookApp>
{
    [Fact]
    public async Task Money_movements_and_account_changes_reach_the_endpoints_of_those_who_may_see_them()
    {
        await using var aliceReceiver = await WebhookReceiver.StartAsync();
        await using var bobReceiver = await WebhookReceiver.StartAsync();
        await using var carolReceiver = await WebhookReceiver.StartAsync();
        var admin = await app.SignInAsAdminAsync();
        var alice = await app.RegisterAndSignInAsync();
        var bob = await app.RegisterAndSignInAsync();
        var carol = await app.RegisterAndSignInAsync();
        var from = await alice.OpenAccountAsync();
        var to = await bob.OpenAccountAsync();
        var (_, aliceSecret) = await WebhookApi.CreateEndpointAsync(alice, aliceReceiver.Url, "transfer.posted", "transfer.failed", "account.frozen");
        var (_, bobSecret) = await WebhookApi.CreateEndpointAsync(bob, bobReceiver.Url, "transfer.posted");
        await WebhookApi.CreateEndpointAsync(carol, carolReceiver.Url, "transfer.posted", "transfer.failed", "account.frozen");

        var deposit = await admin.DepositAsync(from, 1_000);
        var transfer = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 400), LedgerClient.NewKey())).AssertJsonAsync(HttpStatusCode.Created);
        var overdraft = await (await alice.PostTransferAsyncly(LedgerClient.Transfer(from, to, 5_000))).AssertJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("failed", (await alice.WaitUntilSettledAsync(overdraft.Id())).Status());
        await (await admin.AccountActionAsync(to, "freeze")).AssertJsonAsync(HttpStatusCode.OK);

        await aliceReceiver.WaitUntilAsync(r => r.Count >= 3, "alice's endpoint receives the deposit, the transfer and the failure");
        await bobReceiver.WaitUntilAsync(r => r.Count >= 1, "bob's endpoint receives the transfer");

        Assert.Equal(
            [("transfer.posted", deposit.Id()), ("transfer.posted", transfer.Id()), ("transfer.failed", overdraft.Id())],
            await ReceivedAsync(alice, aliceSecret, aliceReceiver));
        // Bob subscribed to transfer.posted only: not the freeze of his account, and nothing of
        // alice's deposit or of the request that never reached the ledger.
        Assert.Equal([("transfer.posted", transfer.Id())], await ReceivedAsync(bob, bobSecret, bobReceiver));

        // Carol's endpoint, subscribed to everything above, is given none of it. A test event sent
        // after it all arrives alone: had anything else been handed to her endpoint, it would be there too.
        var carolEndpoint = Assert.Single((await (await carol.Client.GetAsync("/v1/webhooks/endpoints", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray()).GetProperty("id").GetString();
        await (await carol.Client.PostAsync($"/v1/webhooks/endpoints/{carolEndpoint}/test", null, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.Accepted);
        await carolReceiver.WaitUntilAsync(r => r.Count >= 1, "carol's test event");
        Assert.Equal("webhook.test", JsonDocument.Parse(Assert.Single(carolReceiver.Received).Body).RootElement.GetProperty("type").GetString());
    }

    /// <summary>Each delivery verified and compared with the event log and the resource; their (type, resource id), in the order received.</summary>
    private static async Task<List<(string Type, string Id)>> ReceivedAsync(SignedIn owner, string secret, WebhookReceiver receiver)
    {
        var seen = new List<(string, string)>();
        foreach (var received in receiver.Received.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            WebhookApi.Verify(secret, received);
            var logged = await owner.EventAsync(received.Id);
            Assert.Equal(HttpStatusCode.OK, logged.StatusCode);
            Assert.Equal(await logged.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), received.Body);
            var body = JsonDocument.Parse(received.Body).RootElement;
            var data = body.GetProperty("data");
            var transfer = await (await owner.GetTransferAsync(data.GetProperty("id").GetString()!)).AssertJsonAsync(HttpStatusCode.OK);
            Assert.Equal(transfer.GetRawText(), data.GetRawText());
            seen.Add((body.GetProperty("type").GetString()!, data.GetProperty("id").GetString()!));
        }

        Assert.Equal(receiver.Received.Count, receiver.Received.Select(r => r.Id).Distinct().Count());
        return seen;
    }
}
