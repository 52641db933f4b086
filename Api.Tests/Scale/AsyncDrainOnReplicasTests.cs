using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Scale;

/// <summary>
/// Two replicas over one database, both accepting <c>Prefer: respond-async</c> and both running
/// the drain: one holds the lease at a time, every accepted request is applied exactly once, and a
/// lease left by a crashed replica is taken over once it expires.
/// </summary>
public sealed class AsyncDrainOnReplicasTests
{
    private const int PerReplica = 20;

    [Fact]
    public async Task Two_replicas_apply_every_accepted_request_once_and_take_over_a_crashed_holders_lease()
    {
        await using var deployment = new SharedDeployment();
        var settings = new Dictionary<string, string?>
        {
            ["Ledger:AsyncDrainLease"] = "00:00:01",
            ["Ledger:AsyncDrainInterval"] = "00:00:00.050",
        };
        var a = deployment.StartReplica(settings);
        var b = deployment.StartReplica(settings);
        var anonymous = a.Client();
        var admin = a.Client(await ReplicaClient.TokenAsync(anonymous, deployment.AdminEmail, deployment.AdminPassword));
        var email = await ReplicaClient.RegisterAsync(anonymous);
        var token = await ReplicaClient.TokenAsync(anonymous, email);
        var (onA, onB) = (a.Client(token), b.Client(token));
        var from = (await (await onA.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" })).AssertJsonAsync(HttpStatusCode.Created)).Id();
        var to = (await (await onB.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Other" })).AssertJsonAsync(HttpStatusCode.Created)).Id();
        await (await admin.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = 1_000_000L, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);

        // A replica that crashed holding the lease: nothing is applied until it expires.
        var expiry = DateTimeOffset.UtcNow.AddSeconds(2);
        await HeldAsyncDrain.LeaveExpiringAsync(deployment.DatabasePath, expiry);
        var accepted = new List<string>();
        for (var amount = 1; amount <= 2 * PerReplica; amount++)
        {
            var replica = amount % 2 == 0 ? onA : onB;
            var response = await replica.PostPreferringAsync("/v1/transfers", LedgerClient.Transfer(from, to, amount), LedgerClient.NewKey());
            accepted.Add((await response.AssertJsonAsync(HttpStatusCode.Accepted)).Id());
        }

        if (DateTimeOffset.UtcNow < expiry)
        {
            Assert.Equal(0, (await ReplicaClient.BalanceAsync(onA, to)).Posted);
        }

        const long total = 2 * PerReplica * (2 * PerReplica + 1) / 2;
        await LedgerClient.WaitUntilAsync(
            async () => (await ReplicaClient.BalanceAsync(onA, to)).Posted >= total, TimeSpan.FromSeconds(30), "every accepted request is applied");

        // Distinct amounts: a request applied twice would show in the total.
        Assert.Equal(total, (await ReplicaClient.BalanceAsync(onB, to)).Posted);
        foreach (var id in accepted)
        {
            Assert.Equal("posted", (await (await onB.GetAsync($"/v1/transfers/{id}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK)).Status());
        }

        await ReplicaClient.AssertLedgerVerifiesAsync(admin);
    }
}
