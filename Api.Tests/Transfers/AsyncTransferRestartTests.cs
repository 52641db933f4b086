using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

/// <summary>
/// kill -9 of the service (a process of its own, the apphost of this test build) with requests
/// answered 202 and not yet applied: after a restart over the same database every one is applied,
/// none twice.
/// </summary>
[Trait("Category", "External")]
public sealed class AsyncTransferRestartTests
{
    private const int Requests = 20;

    [Fact]
    public async Task Accepted_requests_survive_kill_9_and_are_applied_once_after_restart()
    {
        var secrets = AppSecrets.Create();
        var environment = new Dictionary<string, string>(secrets.ProductionEnvironment("async-1"))
        {
            ["Ledger__AsyncDrainInterval"] = "00:00:00.100",
        };
        var directory = TempDirectory.Create();
        var databasePath = Path.Combine(directory, "data", "strongroom.db");
        try
        {
            string from, to, email;
            var accepted = new List<string>();
            await using (var service = await ServiceProcess.StartAsync(environment, directory))
            {
                using var customer = new HttpClient { BaseAddress = service.Address };
                email = await ReplicaClient.RegisterAsync(customer);
                customer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(customer, email));
                from = await OpenAsync(customer, "From");
                to = await OpenAsync(customer, "To");
                using (var admin = new HttpClient { BaseAddress = service.Address })
                {
                    admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(admin, secrets.AdminEmail, secrets.AdminPassword));
                    await (await admin.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = 10_000L, currency = "EUR" }, LedgerClient.NewKey()))
                        .AssertJsonAsync(HttpStatusCode.Created);
                }

                // Another "replica" holds the drain: what is accepted now stays processing.
                var drain = await HeldAsyncDrain.HoldAsync(databasePath);
                for (var amount = 1; amount <= Requests; amount++)
                {
                    var response = await customer.PostPreferringAsync("/v1/transfers", LedgerClient.Transfer(from, to, amount), LedgerClient.NewKey());
                    Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {await response.BodyAsync()}\n{service.Output}");
                    accepted.Add((await response.AssertJsonAsync(HttpStatusCode.Accepted)).Id());
                }

                Assert.Equal(0, (await ReplicaClient.BalanceAsync(customer, to)).Posted);
                var kill = await ExternalProcess.RunAsync("kill", ["-KILL", service.Id.ToString(CultureInfo.InvariantCulture)], directory, TimeSpan.FromSeconds(10));
                Assert.True(kill.ExitCode == 0, kill.Output);
                await service.WaitForExitAsync(TimeSpan.FromSeconds(10));
                // The other replica goes away too: its lease is free for the restarted service.
                await drain.ReleaseAsync();
            }

            await using (var restarted = await ServiceProcess.StartAsync(environment, directory))
            {
                using var customer = new HttpClient { BaseAddress = restarted.Address };
                customer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(customer, email));
                const long total = Requests * (Requests + 1) / 2;
                await LedgerClient.WaitUntilAsync(
                    async () => (await ReplicaClient.BalanceAsync(customer, to)).Posted >= total, TimeSpan.FromSeconds(30), "every accepted transfer is applied");
                foreach (var id in accepted)
                {
                    var transfer = await (await customer.GetAsync($"/v1/transfers/{id}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
                    Assert.Equal("posted", transfer.Status());
                }

                // Each once: distinct amounts 1..20 add up to exactly the total, and the source lost exactly that.
                Assert.Equal(total, (await ReplicaClient.BalanceAsync(customer, to)).Posted);
                Assert.Equal(10_000 - total, (await ReplicaClient.BalanceAsync(customer, from)).Posted);
                using var admin = new HttpClient { BaseAddress = restarted.Address };
                admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(admin, secrets.AdminEmail, secrets.AdminPassword));
                await ReplicaClient.AssertLedgerVerifiesAsync(admin);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }

    private static async Task<string> OpenAsync(HttpClient customer, string name)
    {
        var opened = await customer.PostAsync("/v1/accounts", System.Net.Http.Json.JsonContent.Create(new { currency = "EUR", name }), TestContext.Current.CancellationToken);
        return (await opened.AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }
}
