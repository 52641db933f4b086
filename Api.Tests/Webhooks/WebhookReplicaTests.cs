using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>Two replicas of the service on one SQLite file, both dispatching: one backlog, each event delivered, never two attempts at once.</summary>
public sealed class WebhookReplicaTests
{
    [Fact]
    public async Task Two_replicas_deliver_one_backlog_each_event_once_and_never_two_attempts_at_a_time()
    {
        var directory = TempDirectory.Create();
        var secrets = AppSecrets.Create();
        var settings = new Dictionary<string, string?>(WebhookApp.Settings) { ["Webhooks:MaxConcurrentPerEndpoint"] = "4" };
        var a = new SqliteReplica(secrets, directory, settings);
        var b = new SqliteReplica(secrets, directory, settings);
        try
        {
            // One after the other: the first migrates the shared file.
            await a.InitializeAsync();
            await b.InitializeAsync();
            await using var receiver = await WebhookReceiver.StartAsync((_, _) => ReceiverAnswer.Ok with { Delay = TimeSpan.FromMilliseconds(20) });
            var customer = await a.RegisterAndSignInAsync();
            var (id, secret) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");

            var events = new List<string>();
            for (var i = 0; i < 40; i++)
            {
                events.Add(TestEvents.IdOf(await TestEvents.AccountOpenedAsync(a.DatabasePath, customer.UserId)));
            }

            await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.AttemptsAsync(customer.On(b), id)).Count == events.Count,
                TimeSpan.FromSeconds(30), "every event is recorded delivered");

            Assert.Equal(events, receiver.Received.Select(r => r.Id).Order(StringComparer.Ordinal));
            Assert.Equal(1, receiver.MaxSameIdAtOnce);
            Assert.All(receiver.Received, r => WebhookApi.Verify(secret, r));
            var attempts = await WebhookApi.AttemptsAsync(customer, id);
            Assert.All(attempts, attempt => Assert.Equal(1, attempt.GetProperty("attempt").GetInt32()));
        }
        finally
        {
            await b.DisposeAsync();
            await a.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }
}
