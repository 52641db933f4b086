using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>
/// Webhooks with a long wait before the last retry (an hour) and a long attempt timeout (10 s): long
/// enough that what a test sees is the mechanism, not the schedule.
/// </summary>
public sealed class PatientWebhookApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(WebhookApp.Settings)
    {
        ["Webhooks:Timeout"] = "00:00:10",
        ["Webhooks:LeaseDuration"] = "00:00:30",
        ["Webhooks:RetrySchedule:0"] = "00:00:00.200",
        ["Webhooks:RetrySchedule:1"] = "01:00:00",
        ["Webhooks:RetrySchedule:2"] = "01:00:00",
    };
}

/// <summary>A receiver that was down gets its backlog as soon as it is back; a hanging one holds up nobody else.</summary>
public sealed class WebhookBacklogTests(PatientWebhookApp app) : IClassFixture<PatientWebhookApp>
{
    [Fact]
    public async Task A_receiver_that_was_down_gets_every_missed_event_once_as_soon_as_one_delivery_succeeds()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await receiver.StopAsync();
        var customer = await app.RegisterAndSignInAsync();
        var (id, secret) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");
        var missed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            missed.Add(TestEvents.IdOf(await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId)));
        }

        // Each has failed twice and waits an hour for its next attempt.
        await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.AttemptsAsync(customer, id)).Count == 6, TimeSpan.FromSeconds(15), "two failed attempts per event");
        var attempts = await WebhookApi.AttemptsAsync(customer, id);
        Assert.All(attempts, a => Assert.Equal("connection_failed", a.GetProperty("error").GetString()));
        Assert.All(attempts.Where(a => a.GetProperty("attempt").GetInt32() == 2),
            a => Assert.True(a.GetProperty("nextAttemptAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50)));

        await receiver.StartAsync();
        var test = await (await customer.Client.PostAsync($"/v1/webhooks/endpoints/{id}/test", null)).AssertJsonAsync(HttpStatusCode.Accepted);
        await receiver.WaitUntilAsync(r => missed.All(m => r.Any(w => w.Id == m)), "every missed event arrives", TimeSpan.FromSeconds(15));

        var received = receiver.Received;
        Assert.Equal([.. missed, test.GetProperty("eventId").GetString()!], received.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(received, r => WebhookApi.Verify(secret, r));
        Assert.Equal("enabled", (await WebhookApi.GetEndpointAsync(customer, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_hanging_receiver_holds_only_its_own_deliveries()
    {
        await using var hanging = await WebhookReceiver.StartAsync((_, _) => new ReceiverAnswer(200, Hang: true));
        await using var fast = await WebhookReceiver.StartAsync();
        var customer = await app.RegisterAndSignInAsync();
        var (hangingId, _) = await WebhookApi.CreateEndpointAsync(customer, hanging.Url, "account.opened");
        var (fastId, secret) = await WebhookApi.CreateEndpointAsync(customer, fast.Url, "account.opened");

        var events = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            events.Add(TestEvents.IdOf(await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId)));
        }

        await fast.WaitUntilAsync(r => r.Count >= events.Count, "the fast receiver has every event", TimeSpan.FromSeconds(8));
        Assert.Equal(events, fast.Received.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(fast.Received, r => WebhookApi.Verify(secret, r));
        // Meanwhile the hanging one has had only its per-endpoint share (2) of attempts, none finished (the timeout is 10 s).
        Assert.InRange(hanging.Received.Count, 1, 2);
        Assert.Empty(await WebhookApi.AttemptsAsync(customer, hangingId));
        await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.AttemptsAsync(customer, fastId)).Count(a => a.GetProperty("statusCode").ValueKind == JsonValueKind.Number) == events.Count,
            TimeSpan.FromSeconds(5), "the fast endpoint's attempts are recorded");
    }
}
