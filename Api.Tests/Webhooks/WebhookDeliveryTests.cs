using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>
/// Deliveries to real receivers on loopback ports, verified as a receiver would with the
/// StandardWebhooks package: signed, retried on the schedule (and not before a Retry-After),
/// disabled by 410 or by an exhausted schedule (audited), and only the events the owner may see.
/// </summary>
public sealed class WebhookDeliveryTests(WebhookApp app) : IClassFixture<WebhookApp>
{
    [Fact]
    public async Task An_event_is_posted_once_as_its_envelope_signed_per_standard_webhooks()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var customer = await app.RegisterAndSignInAsync();
        var (id, secret) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");

        var sequence = await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId);
        await receiver.WaitUntilAsync(r => r.Count >= 1, "the event is delivered");

        var received = Assert.Single(receiver.Received);
        WebhookApi.Verify(secret, received);
        Assert.Equal(TestEvents.IdOf(sequence), received.Id);
        Assert.StartsWith("application/json", received.Headers.ContentType.ToString(), StringComparison.Ordinal);
        Assert.InRange(long.Parse(received.Headers["webhook-timestamp"].ToString(), System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(["id", "type", "createdAt", "data"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(received.Id, body.GetProperty("id").GetString());
        Assert.Equal("account.opened", body.GetProperty("type").GetString());
        Assert.Equal(customer.UserId, body.GetProperty("data").GetProperty("ownerId").GetString());

        // A wrong secret does not verify: the package really checks.
        Assert.False(WebhookApi.Verifies("whsec_" + Convert.ToBase64String(new byte[32]), received));

        await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.AttemptsAsync(customer, id)).Count == 1, TimeSpan.FromSeconds(10), "the attempt is listed");
        var attempt = Assert.Single(await WebhookApi.AttemptsAsync(customer, id));
        Assert.Equal(received.Id, attempt.GetProperty("eventId").GetString());
        Assert.Equal(1, attempt.GetProperty("attempt").GetInt32());
        Assert.Equal(200, attempt.GetProperty("statusCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task The_test_event_goes_to_that_endpoint_only_and_a_retry_sends_it_again_with_the_same_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var otherReceiver = await WebhookReceiver.StartAsync();
        var customer = await app.RegisterAndSignInAsync();
        var (id, secret) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");
        await WebhookApi.CreateEndpointAsync(customer, otherReceiver.Url, "account.opened");

        var test = await (await customer.Client.PostAsync($"/v1/webhooks/endpoints/{id}/test", null)).AssertJsonAsync(HttpStatusCode.Accepted);
        var eventId = test.GetProperty("eventId").GetString()!;
        await receiver.WaitUntilAsync(r => r.Count >= 1, "the test event is delivered");
        var received = Assert.Single(receiver.Received);
        WebhookApi.Verify(secret, received);
        Assert.Equal(eventId, received.Id);
        Assert.Equal("webhook.test", JsonDocument.Parse(received.Body).RootElement.GetProperty("type").GetString());

        Assert.Equal(HttpStatusCode.Accepted, (await customer.Client.PostAsync($"/v1/webhooks/endpoints/{id}/deliveries/{eventId}/retry", null)).StatusCode);
        await receiver.WaitUntilAsync(r => r.Count >= 2, "the retried event is delivered again");
        Assert.All(receiver.Received, r => Assert.Equal(eventId, r.Id));
        Assert.Empty(otherReceiver.Received);
        await (await customer.Client.PostAsync($"/v1/webhooks/endpoints/{id}/deliveries/{TestEvents.IdOf(long.MaxValue / 2)}/retry", null))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_customers_endpoint_gets_only_their_events_and_an_admins_gets_every_event_of_its_types()
    {
        await using var aliceReceiver = await WebhookReceiver.StartAsync();
        await using var bobReceiver = await WebhookReceiver.StartAsync();
        await using var adminReceiver = await WebhookReceiver.StartAsync();
        var alice = await app.RegisterAndSignInAsync();
        var bob = await app.RegisterAndSignInAsync();
        var admin = await app.SignInAsAdminAsync();
        var before = await TestEvents.AccountOpenedAsync(app.DatabasePath, alice.UserId);
        await WebhookApi.CreateEndpointAsync(alice, aliceReceiver.Url, "account.opened");
        await WebhookApi.CreateEndpointAsync(bob, bobReceiver.Url, "account.opened");
        await WebhookApi.CreateEndpointAsync(admin, adminReceiver.Url, "account.opened");

        var alices = await TestEvents.AccountOpenedAsync(app.DatabasePath, alice.UserId);
        var bobs = await TestEvents.AccountOpenedAsync(app.DatabasePath, bob.UserId);
        var alicesTransfer = await TestEvents.InsertAsync(app.DatabasePath, "transfer.posted", """{"id":"trf_x"}""", alice.UserId);
        var last = await TestEvents.AccountOpenedAsync(app.DatabasePath, alice.UserId);

        // Attempts to one endpoint run side by side, so they may arrive in any order: wait for each expected one.
        string[] adminExpects = [TestEvents.IdOf(alices), TestEvents.IdOf(bobs), TestEvents.IdOf(last)];
        await adminReceiver.WaitUntilAsync(r => adminExpects.All(id => r.Any(w => w.Id == id)), "the admin's endpoint has every account.opened event");
        await aliceReceiver.WaitUntilAsync(r => r.Any(w => w.Id == TestEvents.IdOf(alices)) && r.Any(w => w.Id == TestEvents.IdOf(last)), "alice's endpoint has both of her events");
        await bobReceiver.WaitUntilAsync(r => r.Any(w => w.Id == TestEvents.IdOf(bobs)), "bob's endpoint has bob's event");

        // Each endpoint's deliveries are handed out in one pass after the last event: nothing else is still to come.
        Assert.Equal([TestEvents.IdOf(alices), TestEvents.IdOf(last)], aliceReceiver.Received.Select(r => r.Id).Order());
        Assert.Equal([TestEvents.IdOf(bobs)], bobReceiver.Received.Select(r => r.Id));
        var adminGot = adminReceiver.Received.Select(r => r.Id).ToList();
        Assert.Contains(TestEvents.IdOf(alices), adminGot);
        Assert.Contains(TestEvents.IdOf(bobs), adminGot);
        Assert.DoesNotContain(TestEvents.IdOf(alicesTransfer), adminGot);
        Assert.DoesNotContain(TestEvents.IdOf(alicesTransfer), aliceReceiver.Received.Select(r => r.Id));
        // An endpoint receives what happens after it is created.
        Assert.DoesNotContain(TestEvents.IdOf(before), adminGot.Concat(aliceReceiver.Received.Select(r => r.Id)));
    }

    [Fact]
    public async Task A_failing_receiver_gets_the_same_event_again_on_the_schedule_until_it_answers_2xx()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, n) => n < 2 ? new ReceiverAnswer(500) : ReceiverAnswer.Ok);
        var customer = await app.RegisterAndSignInAsync();
        var (id, secret) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");

        var sequence = await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId);
        await receiver.WaitUntilAsync(r => r.Count >= 3, "the third attempt arrives");
        await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.AttemptsAsync(customer, id)).Count == 3, TimeSpan.FromSeconds(10), "three attempts are listed");

        var received = receiver.Received;
        Assert.All(received, r => Assert.Equal(TestEvents.IdOf(sequence), r.Id));
        Assert.All(received, r => WebhookApi.Verify(secret, r));
        // The schedule's delays (200 ms, 300 ms) less their jitter of at most 10%.
        Assert.True(received[1].At - received[0].At >= WebhookApp.Schedule[0] * 0.85, $"first retry after {(received[1].At - received[0].At).TotalMilliseconds} ms");
        Assert.True(received[2].At - received[1].At >= WebhookApp.Schedule[1] * 0.85, $"second retry after {(received[2].At - received[1].At).TotalMilliseconds} ms");

        var attempts = await WebhookApi.AttemptsAsync(customer, id);
        Assert.Equal([1, 2, 3], attempts.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal([500, 500, 200], attempts.Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.NotEqual(JsonValueKind.Null, attempts[0].GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, attempts[2].GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal("enabled", (await WebhookApi.GetEndpointAsync(customer, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_retry_waits_for_the_receivers_retry_after()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, n) => n == 0 ? new ReceiverAnswer(503, RetryAfter: "2") : ReceiverAnswer.Ok);
        var customer = await app.RegisterAndSignInAsync();
        await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");

        await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId);
        await receiver.WaitUntilAsync(r => r.Count >= 2, "the retry arrives");
        var gap = receiver.Received[1].At - receiver.Received[0].At;
        Assert.True(gap >= TimeSpan.FromSeconds(1.9), $"retried after {gap.TotalMilliseconds} ms, before the Retry-After of 2 s (the schedule says 200 ms)");
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_at_once_and_is_audited()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => new ReceiverAnswer(410));
        var customer = await app.RegisterAndSignInAsync();
        var (id, _) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");

        await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId);
        await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.GetEndpointAsync(customer, id)).GetProperty("status").GetString() == "disabled",
            TimeSpan.FromSeconds(10), "the endpoint is disabled");

        var endpoint = await WebhookApi.GetEndpointAsync(customer, id);
        Assert.Equal("gone", endpoint.GetProperty("disabledReason").GetString());
        Assert.Single(receiver.Received);
        Assert.Equal(410, Assert.Single(await WebhookApi.AttemptsAsync(customer, id)).GetProperty("statusCode").GetInt32());
        await (await customer.Client.PostAsync($"/v1/webhooks/endpoints/{id}/test", null)).AssertProblemAsync(HttpStatusCode.Conflict, "webhook_endpoint_disabled");
        await AssertAuditedAsync(id, "reason=gone");
    }

    [Fact]
    public async Task An_endpoint_still_failing_after_the_whole_schedule_is_disabled_and_audited()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => new ReceiverAnswer(500));
        var customer = await app.RegisterAndSignInAsync();
        var (id, _) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");

        await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId);
        await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.GetEndpointAsync(customer, id)).GetProperty("status").GetString() == "disabled",
            TimeSpan.FromSeconds(15), "the endpoint is disabled");

        Assert.Equal("failing", (await WebhookApi.GetEndpointAsync(customer, id)).GetProperty("disabledReason").GetString());
        // The first attempt and one per delay of the schedule.
        Assert.Equal(WebhookApp.Schedule.Length + 1, receiver.Received.Count);
        var attempts = await WebhookApi.AttemptsAsync(customer, id);
        Assert.Equal(WebhookApp.Schedule.Length + 1, attempts.Count);
        Assert.Equal(JsonValueKind.Null, attempts[^1].GetProperty("nextAttemptAt").ValueKind);
        await AssertAuditedAsync(id, "reason=failing");
    }

    [Fact]
    public async Task During_a_rotation_each_delivery_carries_both_signatures_and_verifies_with_either_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var customer = await app.RegisterAndSignInAsync();
        var (id, oldSecret) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");
        var rotated = await (await customer.Client.PostAsync($"/v1/webhooks/endpoints/{id}/rotate-secret", null)).AssertJsonAsync(HttpStatusCode.OK);
        var newSecret = rotated.GetProperty("secret").GetString()!;

        await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId);
        await receiver.WaitUntilAsync(r => r.Count >= 1, "the event is delivered");
        var received = Assert.Single(receiver.Received);
        var signatures = received.Headers["webhook-signature"].ToString().Split(' ');
        Assert.Equal(2, signatures.Distinct().Count());
        Assert.All(signatures, s => Assert.StartsWith("v1,", s, StringComparison.Ordinal));
        WebhookApi.Verify(newSecret, received);
        WebhookApi.Verify(oldSecret, received);
    }

    [Fact]
    public async Task A_disabled_users_endpoints_are_handed_nothing()
    {
        await using var disabledReceiver = await WebhookReceiver.StartAsync();
        await using var activeReceiver = await WebhookReceiver.StartAsync();
        var disabled = await app.RegisterAndSignInAsync();
        var active = await app.RegisterAndSignInAsync();
        await WebhookApi.CreateEndpointAsync(disabled, disabledReceiver.Url, "account.opened");
        await WebhookApi.CreateEndpointAsync(active, activeReceiver.Url, "account.opened");
        var admin = await app.SignInAsAdminAsync();
        await (await admin.Client.PostAsync($"/v1/admin/users/{disabled.UserId}/disable", null)).AssertJsonAsync(HttpStatusCode.OK);

        await TestEvents.AccountOpenedAsync(app.DatabasePath, disabled.UserId);
        var later = await TestEvents.AccountOpenedAsync(app.DatabasePath, active.UserId);

        // Fan-out hands out every endpoint's events in one pass: once the later event has arrived, the earlier one would have too.
        await activeReceiver.WaitUntilAsync(r => r.Any(w => w.Id == TestEvents.IdOf(later)), "the active user's event arrives");
        Assert.Empty(disabledReceiver.Received);
    }

    [Fact]
    public async Task Attempts_are_forgotten_once_their_event_is_purged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var customer = await app.RegisterAndSignInAsync();
        var (id, _) = await WebhookApi.CreateEndpointAsync(customer, receiver.Url, "account.opened");
        var old = await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId);
        var kept = await TestEvents.AccountOpenedAsync(app.DatabasePath, customer.UserId);
        await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.AttemptsAsync(customer, id)).Count == 2, TimeSpan.FromSeconds(10), "both are delivered");

        await TestEvents.PurgeThroughAsync(app.DatabasePath, old);

        await LedgerClient.WaitUntilAsync(async () => (await WebhookApi.AttemptsAsync(customer, id)).Count == 1, TimeSpan.FromSeconds(10), "the purged event's attempt is forgotten");
        Assert.Equal(TestEvents.IdOf(kept), Assert.Single(await WebhookApi.AttemptsAsync(customer, id)).GetProperty("eventId").GetString());
    }

    private async Task AssertAuditedAsync(string endpointId, string details)
    {
        var admin = await app.SignInAsAdminAsync();
        var page = await (await admin.Client.GetAsync("/v1/admin/audit?action=webhook_endpoint_disabled&limit=100")).AssertJsonAsync(HttpStatusCode.OK);
        var record = Assert.Single(page.GetProperty("items").EnumerateArray(), r => r.GetProperty("target").GetString() == endpointId);
        Assert.Contains(details, record.GetProperty("details").GetString(), StringComparison.Ordinal);
    }
}
