using System.Net;
using Strongroom.Api.Tests.Support;
using Strongroom.Features;

namespace Strongroom.Api.Tests.Scale;

public sealed class ModulesTests(ModuleSplitDeployment deployment) : IClassFixture<ModuleSplitDeployment>
{
    [Fact]
    public async Task A_people_replica_signs_in_and_serves_profiles_but_has_no_money_endpoints()
    {
        var anonymous = deployment.People.Client();
        var email = await ReplicaClient.RegisterAsync(anonymous);
        var token = await ReplicaClient.TokenAsync(anonymous, email);
        var customer = deployment.People.Client(token);

        await (await customer.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);
        await (await customer.GetAsync("/v1/me/mfa")).AssertJsonAsync(HttpStatusCode.OK);
        await (await customer.GetAsync("/v1/accounts")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await customer.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" })).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await customer.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer("acc_a", "acc_b", 1), LedgerClient.NewKey()))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        var admin = deployment.People.Client(await ReplicaClient.TokenAsync(anonymous, deployment.AdminEmail, deployment.AdminPassword));
        await (await admin.GetAsync("/v1/admin/ledger/verify")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.GetAsync("/v1/admin/users")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await anonymous.GetAsync("/health/ready")).AssertJsonAsync(HttpStatusCode.OK);

        var paths = await ReplicaClient.OpenApiPathsAsync(anonymous);
        Assert.Contains("/v1/auth/token", paths);
        Assert.Contains("/v1/me", paths);
        Assert.Contains("/v1/me/mfa/totp", paths);
        Assert.DoesNotContain(paths, path => path.StartsWith("/v1/accounts", StringComparison.Ordinal)
            || path.StartsWith("/v1/transfers", StringComparison.Ordinal) || path.StartsWith("/v1/admin", StringComparison.Ordinal)
            || path is "/v1/deposits" or "/v1/withdrawals");
    }

    [Fact]
    public async Task A_money_replica_accepts_the_people_replicas_tokens_and_has_no_sign_in()
    {
        var people = deployment.People.Client();
        var email = await ReplicaClient.RegisterAsync(people);
        var customer = deployment.Money.Client(await ReplicaClient.TokenAsync(people, email));
        var staff = deployment.Money.Client(await ReplicaClient.TokenAsync(people, deployment.AdminEmail, deployment.AdminPassword));

        var main = (await (await customer.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" })).AssertJsonAsync(HttpStatusCode.Created)).Id();
        var savings = (await (await customer.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Savings" })).AssertJsonAsync(HttpStatusCode.Created)).Id();
        await (await staff.PostWithKeyAsync("/v1/deposits", new { accountId = main, amount = 1_000L, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);
        await (await customer.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(main, savings, 400), LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(600, 0, 600), await ReplicaClient.BalanceAsync(customer, main));

        var anonymous = deployment.Money.Client();
        await (await anonymous.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, "correct horse battery"), TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await anonymous.PostJsonAsync("/v1/auth/register", new { email = "x@strongroom.test", password = "correct horse battery", fullName = "X" }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await customer.GetAsync("/v1/me")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        // Admin endpoints are their own module: the ledger views are not on a money replica either.
        await (await staff.GetAsync("/v1/admin/ledger/verify")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        var paths = await ReplicaClient.OpenApiPathsAsync(anonymous);
        Assert.Contains("/v1/accounts", paths);
        Assert.Contains("/v1/transfers", paths);
        Assert.Contains("/v1/deposits", paths);
        Assert.DoesNotContain(paths, path => path.StartsWith("/v1/auth", StringComparison.Ordinal) || path.StartsWith("/v1/me", StringComparison.Ordinal)
            || path.StartsWith("/v1/admin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Between_them_the_two_replicas_document_only_their_own_modules_and_the_health_endpoints()
    {
        var people = await ReplicaClient.OpenApiPathsAsync(deployment.People.Client());
        var money = await ReplicaClient.OpenApiPathsAsync(deployment.Money.Client());

        Assert.DoesNotContain(people.Intersect(money), path => !path.StartsWith("/health", StringComparison.Ordinal));
        Assert.Contains("/health/live", people);
        Assert.Contains("/health/live", money);
    }
}

/// <summary>How a replica learns it is one, and what it then refuses.</summary>
public sealed class ReplicaConfigurationTests
{
    [Fact]
    public void An_unknown_module_name_stops_start_up_and_names_it()
    {
        using var factory = new ConfiguredFactory(WithKeys(new() { ["Modules:Enabled"] = "Identity,Transfer" }));

        var failure = StartupFailure.Of(factory);

        Assert.Contains("'Transfer'", failure);
        Assert.Contains("Modules:Enabled", failure);
        Assert.Contains(string.Join(", ", Modules.All), failure);
    }

    [Fact]
    public async Task Modules_may_also_be_listed_as_an_array()
    {
        await using var deployment = new SharedDeployment();
        var replica = deployment.StartReplica(new Dictionary<string, string?> { ["Modules:Enabled:0"] = "Identity", ["Modules:Enabled:1"] = "Profiles" });

        var paths = await ReplicaClient.OpenApiPathsAsync(replica.Client());

        Assert.Contains("/v1/auth/token", paths);
        Assert.DoesNotContain("/v1/accounts", paths);
    }

    [Theory]
    [InlineData("Modules:Enabled", "Identity,Profiles")]
    [InlineData("Redis:Configuration", "127.0.0.1:1")]
    [InlineData("Cluster:Enabled", "true")]
    public void A_replica_of_a_cluster_never_generates_keys_even_where_a_single_instance_would(string key, string value)
    {
        // The embedded default (no configuration, an empty content root) generates its keys into data/.
        var contentRoot = TempDirectory.Create();
        try
        {
            using var factory = new ConfiguredFactory(new Dictionary<string, string?> { [key] = value }, environment: "Development", contentRoot: contentRoot);

            var failure = StartupFailure.Of(factory);

            Assert.Contains("Auth:SigningKey", failure);
            Assert.Contains("Security:DataKeys", failure);
            Assert.Contains("must be configured when several replicas run", failure);
            Assert.False(File.Exists(Path.Combine(contentRoot, "data", "signing.key")));
            Assert.False(File.Exists(Path.Combine(contentRoot, "data", "data.key")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(contentRoot);
        }
    }

    [Fact]
    public async Task Cluster_enabled_false_lets_a_single_instance_serve_some_modules_with_generated_keys()
    {
        var contentRoot = TempDirectory.Create();
        try
        {
            using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Modules:Enabled"] = "Identity", ["Cluster:Enabled"] = "false" },
                environment: "Development", contentRoot: contentRoot);
            var client = factory.Client();

            var email = await ReplicaClient.RegisterAsync(client);
            await ReplicaClient.TokenAsync(client, email);

            Assert.True(File.Exists(Path.Combine(contentRoot, "data", "signing.key")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(contentRoot);
        }
    }

    private static Dictionary<string, string?> WithKeys(Dictionary<string, string?> settings)
    {
        settings["Auth:SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        settings["Security:DataKeys:0:Id"] = "k1";
        settings["Security:DataKeys:0:Key"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        settings["Security:BlindIndexKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        settings["ConnectionStrings:Strongroom"] = "Data Source=:memory:";
        return settings;
    }
}
