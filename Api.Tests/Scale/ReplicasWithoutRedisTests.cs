using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Scale;

/// <summary>
/// Several replicas and no Redis: there is no backplane to tell a replica that another changed a
/// row, so reads go to the database instead of a replica's own (soon stale) memory.
/// </summary>
public sealed class ReplicasWithoutRedisTests
{
    [Fact]
    public async Task A_write_through_one_replica_is_read_at_once_through_another()
    {
        await using var deployment = new SharedDeployment();
        var clustered = new Dictionary<string, string?> { ["Cluster:Enabled"] = "true" };
        var a = deployment.StartReplica(clustered);
        var b = deployment.StartReplica(clustered);
        var anonymous = a.Client();
        var admin = a.Client(await ReplicaClient.TokenAsync(anonymous, deployment.AdminEmail, deployment.AdminPassword));
        var owner = await ReplicaClient.RegisterAsync(anonymous);
        var onA = a.Client(await ReplicaClient.TokenAsync(anonymous, owner));
        var onB = b.Client(await ReplicaClient.TokenAsync(anonymous, owner));
        var account = (await (await onA.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" })).AssertJsonAsync(HttpStatusCode.Created)).Id();

        var before = await onB.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken);
        await (await admin.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = 500L, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);
        var after = await onB.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken);

        Assert.Equal(0, (await before.AssertJsonAsync(HttpStatusCode.OK)).GetProperty("balance").GetProperty("posted").GetInt64());
        Assert.Equal(500, (await after.AssertJsonAsync(HttpStatusCode.OK)).GetProperty("balance").GetProperty("posted").GetInt64());
        Assert.Equal("strongroom; fwd=bypass", after.Headers.GetValues("Cache-Status").Single());
    }
}
