using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>
/// kill -9 of the service as a process of its own, with deliveries in flight (their receiver hangs)
/// and others not yet attempted: started again over the same database, it delivers every one, and
/// none is answered 2xx twice.
/// </summary>
[Trait("Category", "External")]
public sealed class WebhookCrashTests
{
    [Fact]
    public async Task After_a_kill_9_with_deliveries_pending_and_in_flight_the_restarted_service_delivers_each_once()
    {
        var secrets = AppSecrets.Create();
        var environment = new Dictionary<string, string>(secrets.ProductionEnvironment("crash-1"))
        {
            ["Webhooks__AllowPrivateNetworks"] = "true",
            ["Webhooks__AllowHttp"] = "true",
            ["Webhooks__Timeout"] = "00:00:02",
            ["Webhooks__LeaseDuration"] = "00:00:04",
            ["Webhooks__PollInterval"] = "00:00:00.050",
            ["Webhooks__MaxConcurrentPerEndpoint"] = "3",
            ["Webhooks__RetrySchedule__0"] = "00:00:00.200",
            ["Webhooks__RetrySchedule__1"] = "00:00:00.500",
            ["Webhooks__RetrySchedule__2"] = "00:00:01",
            ["Webhooks__RetrySchedule__3"] = "00:00:02",
        };
        var directory = TempDirectory.Create();
        var database = Path.Combine(directory, "data", "strongroom.db");
        var accepted = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var hang = true;
        await using var receiver = await WebhookReceiver.StartAsync((request, _) =>
        {
            if (Volatile.Read(ref hang))
            {
                return new ReceiverAnswer(200, Hang: true);
            }

            accepted.AddOrUpdate(request.Id, 1, (_, n) => n + 1);
            return ReceiverAnswer.Ok;
        });
        try
        {
            var events = new List<string>();
            string secret, endpointId;
            AuthenticationHeaderValue token;
            await using (var service = await ServiceProcess.StartAsync(environment, directory))
            {
                using var customer = new HttpClient { BaseAddress = service.Address };
                var email = await ReplicaClient.RegisterAsync(customer);
                customer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(customer, email));
                var userId = Jwt.Subject(customer.DefaultRequestHeaders.Authorization.Parameter!);
                var created = await (await customer.PostAsJsonAsync("/v1/webhooks/endpoints", new { url = receiver.Url, eventTypes = new[] { "account.opened" } },
                    TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.Created);
                secret = created.GetProperty("secret").GetString()!;
                endpointId = created.GetProperty("id").GetString()!;
                token = customer.DefaultRequestHeaders.Authorization;
                for (var i = 0; i < 8; i++)
                {
                    events.Add(TestEvents.IdOf(await TestEvents.AccountOpenedAsync(database, userId)));
                }

                // Three attempts hang in flight under the service's leases; five wait their turn.
                await receiver.WaitUntilAsync(r => r.Count >= 3, "three attempts are in flight");
            }

            // Disposing the process kills it (SIGKILL): no shutdown, no lease released.
            Volatile.Write(ref hang, false);
            await using (var restarted = await ServiceProcess.StartAsync(environment, directory))
            {
                using var customer = new HttpClient { BaseAddress = restarted.Address };
                customer.DefaultRequestHeaders.Authorization = token;
                var caller = new SignedIn("", "", token.Parameter!, customer);
                // Once the service has recorded a 2xx for every event, nothing of this endpoint is pending: no later attempt can come.
                await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.AttemptsAsync(caller, endpointId))
                        .Where(a => a.GetProperty("statusCode").ValueKind == System.Text.Json.JsonValueKind.Number && a.GetProperty("statusCode").GetInt32() == 200)
                        .Select(a => a.GetProperty("eventId").GetString()).Distinct().Count() == events.Count,
                    TimeSpan.FromSeconds(30), "every event is recorded delivered after the restart");
            }

            Assert.Equal(events.Order(StringComparer.Ordinal), accepted.Keys.Order(StringComparer.Ordinal));
            Assert.All(accepted, pair => Assert.Equal(1, pair.Value));
            Assert.All(receiver.Received.Where(r => accepted.ContainsKey(r.Id)), r => WebhookApi.Verify(secret, r));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }
}
