using System.Net;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Caching;

/// <summary>Two replicas, one database, one Redis: a change made through one is what the other serves.</summary>
[Trait("Category", "External")]
public sealed class CrossReplicaTests(TwoReplicas replicas) : IClassFixture<TwoReplicas>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_transfer_through_one_replica_is_what_the_other_serves_next()
    {
        replicas.SkipIfUnavailable();
        var admin = await replicas.A.SignInAsAdminAsync();
        var (payer, from) = await replicas.A.OpenFundedAccountAsync(admin, 1_000);
        var (payee, to) = await replicas.A.OpenFundedAccountAsync(admin, 0);
        var payerOnB = payer.On(replicas.B);
        var payeeOnB = payee.On(replicas.B);

        // B caches both accounts: once B answers from its cache, only an eviction can change what it serves.
        await CacheClient.TimeUntilAsync(async () => (await payerOnB.ReadAccountAsync(from)).CacheStatus == "strongroom; hit", Deadline, "replica B serves the payer's account from its cache");
        await CacheClient.TimeUntilAsync(async () => (await payeeOnB.ReadAccountAsync(to)).CacheStatus == "strongroom; hit", Deadline, "replica B serves the payee's account from its cache");
        Assert.Equal(1_000, (await payerOnB.ReadAccountAsync(from)).Account.Posted());

        (await payer.PostTransferAsync(LedgerClient.Transfer(from, to, 250))).EnsureSuccessStatusCode();
        var delay = await CacheClient.TimeUntilAsync(
            async () => (await payerOnB.ReadAccountAsync(from)).Account.Posted() == 750, Deadline, "replica B serves the payer's new balance");
        var payeeOnBNow = await payeeOnB.ReadAccountAsync(to);

        Assert.Equal(250, payeeOnBNow.Account.Posted());
        // Replica A answered only after its own copy was evicted: read-your-writes there at once.
        Assert.Equal(750, (await payer.ReadAccountAsync(from)).Account.Posted());

        // A few more, for a distribution: from A's 201 to B serving the new balance (B re-caches in between).
        var delays = new List<double> { delay.TotalMilliseconds };
        for (var expected = 749L; expected > 730; expected--)
        {
            (await payer.PostTransferAsync(LedgerClient.Transfer(from, to, 1))).EnsureSuccessStatusCode();
            var posted = expected;
            delays.Add((await CacheClient.TimeUntilAsync(
                async () => (await payerOnB.ReadAccountAsync(from)).Account.Posted() == posted, Deadline, "replica B serves the payer's new balance")).TotalMilliseconds);
        }

        delays.Sort();
        CacheClient.Report($"Cross-replica visibility after a transfer, {delays.Count} transfers: min {delays[0]:0.0} ms, median {delays[delays.Count / 2]:0.0} ms, max {delays[^1]:0.0} ms.");
    }

    [Fact]
    public async Task An_account_one_replica_read_is_served_to_the_other_from_Redis_and_no_profile_goes_there()
    {
        replicas.SkipIfUnavailable();
        var admin = await replicas.A.SignInAsAdminAsync();
        var (owner, account) = await replicas.A.OpenFundedAccountAsync(admin, 300);
        var onA = await owner.ReadAccountAsync(account);
        await owner.ReadProfileAsync();
        // A writes Redis in the background (after the deposit's own eviction, also in the background):
        // wait until Redis holds a fresh entry.
        await LedgerClient.WaitUntilAsync(() => replicas.Redis.HoldsFreshEntryAsync($"{account}:{owner.UserId}"), Deadline, "Redis holds a fresh entry for the account");

        var onB = await owner.On(replicas.B).ReadAccountAsync(account);

        Assert.Equal("strongroom; fwd=miss; stored", onA.CacheStatus);
        // B never read it from the database: it came from Redis, deserialized through the source-generated context.
        Assert.Equal("strongroom; hit", onB.CacheStatus);
        Assert.Equal(onA.Account.ToString(), onB.Account.ToString());
        // Personal data stays in each replica's memory.
        Assert.DoesNotContain("profile", await replicas.Redis.CommandAsync("KEYS", "*"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_change_through_one_replica_is_what_the_other_serves_next()
    {
        replicas.SkipIfUnavailable();
        var user = await replicas.A.RegisterAndSignInAsync();
        var onB = user.On(replicas.B);
        await onB.ReadProfileAsync();
        var cached = await onB.ReadProfileAsync();
        Assert.Equal("strongroom; hit", cached.CacheStatus);

        var renamed = $"Renamed {Guid.NewGuid():N}"[..20];
        (await user.Client.PatchAsJsonAsync("/v1/me", new { fullName = renamed, phone = "+44 20 7946 0000" }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode();
        var delay = await CacheClient.TimeUntilAsync(
            async () => (await onB.ReadProfileAsync()).Profile.GetProperty("fullName").GetString() == renamed, Deadline, "replica B serves the new name");

        CacheClient.Report($"Cross-replica visibility after a profile change: {delay.TotalMilliseconds:0.0} ms.");
        Assert.Equal("+44 20 7946 0000", (await onB.ReadProfileAsync()).Profile.GetProperty("phone").GetString());
    }

    [Fact]
    public async Task An_operator_change_and_a_role_change_reach_the_other_replica()
    {
        replicas.SkipIfUnavailable();
        var admin = await replicas.A.SignInAsAdminAsync();
        var (owner, account) = await replicas.A.OpenFundedAccountAsync(admin, 0);
        var ownerOnB = owner.On(replicas.B);
        await ownerOnB.ReadAccountAsync(account);
        await ownerOnB.ReadProfileAsync();

        (await admin.AccountActionAsync(account, "freeze")).EnsureSuccessStatusCode();
        (await admin.Client.PutAsJsonAsync($"/v1/admin/users/{owner.UserId}/roles", new { roles = new[] { "customer", "operator" } }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode();

        await CacheClient.TimeUntilAsync(
            async () => (await ownerOnB.ReadAccountAsync(account)).Account.GetProperty("status").GetString() == "frozen", Deadline, "replica B serves the frozen status");
        await CacheClient.TimeUntilAsync(
            async () => (await ownerOnB.ReadProfileAsync()).Profile.GetProperty("roles").GetArrayLength() == 2, Deadline, "replica B serves the new roles");
    }

    [Fact]
    public async Task A_customer_never_gets_another_customers_cached_account()
    {
        replicas.SkipIfUnavailable();
        var admin = await replicas.A.SignInAsAdminAsync();
        var (owner, account) = await replicas.A.OpenFundedAccountAsync(admin, 500);
        var stranger = await replicas.A.RegisterAndSignInAsync();
        await owner.ReadAccountAsync(account);
        Assert.Equal("strongroom; hit", (await owner.ReadAccountAsync(account)).CacheStatus);

        foreach (var replica in new[] { replicas.A, replicas.B })
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var response = await stranger.On(replica).Client.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken);
                await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
                // Read from the database and not cached for the stranger; never the owner's entry.
                Assert.Equal("strongroom; fwd=miss", response.CacheStatus());
            }

            var entries = await stranger.On(replica).Client.GetAsync($"/v1/accounts/{account}/entries", TestContext.Current.CancellationToken);
            await entries.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        // Staff read it through their own entry.
        Assert.Equal(500, (await admin.On(replicas.B).ReadAccountAsync(account)).Account.Posted());
    }
}
