using System.Net;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>Registering, reading, rotating and deleting webhook endpoints: the caller's own only, the secret shown only when made.</summary>
public sealed class WebhookEndpointsTests(WebhookApp app) : IClassFixture<WebhookApp>
{
    [Fact]
    public async Task An_endpoint_is_created_with_its_secret_shown_once_then_read_listed_and_deleted_without_it()
    {
        var customer = await app.RegisterAndSignInAsync();
        var response = await customer.Client.PostAsJsonAsync("/v1/webhooks/endpoints",
            new { url = "http://127.0.0.1:9/hooks", eventTypes = new[] { "transfer.posted", "account.opened", "transfer.posted" }, description = " Ledger sync " });
        var created = await response.AssertJsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("whe_", id, StringComparison.Ordinal);
        Assert.Equal($"/v1/webhooks/endpoints/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("enabled", created.GetProperty("status").GetString());
        Assert.Equal(["account.opened", "transfer.posted"], created.GetProperty("eventTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Ledger sync", created.GetProperty("description").GetString());
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        var read = await WebhookApi.GetEndpointAsync(customer, id);
        Assert.Equal("http://127.0.0.1:9/hooks", read.GetProperty("url").GetString());
        Assert.False(read.TryGetProperty("secret", out _));
        var listRaw = await (await customer.Client.GetAsync("/v1/webhooks/endpoints")).Content.ReadAsStringAsync();
        Assert.Contains(id, listRaw, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["whsec_".Length..], listRaw, StringComparison.Ordinal);
        Assert.DoesNotContain("secret\"", listRaw.Replace("previousSecretExpiresAt\"", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // Stored encrypted, never as the secret itself.
        Assert.DoesNotContain(secret["whsec_".Length..], await File.ReadAllTextAsync(app.DatabasePath, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await customer.Client.DeleteAsync($"/v1/webhooks/endpoints/{id}")).StatusCode);
        await (await customer.Client.GetAsync($"/v1/webhooks/endpoints/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await customer.Client.DeleteAsync($"/v1/webhooks/endpoints/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Another_users_endpoint_does_not_exist_for_the_caller_whatever_they_ask_of_it()
    {
        var owner = await app.RegisterAndSignInAsync();
        var other = await app.RegisterAndSignInAsync();
        var (id, _) = await WebhookApi.CreateEndpointAsync(owner, "http://127.0.0.1:9/hooks");
        var eventId = TestEvents.IdOf(1);

        await (await other.Client.GetAsync($"/v1/webhooks/endpoints/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.Client.DeleteAsync($"/v1/webhooks/endpoints/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.Client.PostAsync($"/v1/webhooks/endpoints/{id}/rotate-secret", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.Client.PostAsync($"/v1/webhooks/endpoints/{id}/test", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.Client.GetAsync($"/v1/webhooks/endpoints/{id}/deliveries")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.Client.PostAsync($"/v1/webhooks/endpoints/{id}/deliveries/{eventId}/retry", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain(id, await (await other.Client.GetAsync("/v1/webhooks/endpoints")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await (await other.Client.GetAsync("/v1/webhooks/endpoints/whe_not-an-id")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.Client.PostAsync($"/v1/webhooks/endpoints/{id}/deliveries/evt_nonsense/retry", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        // Still there for its owner.
        Assert.Equal(id, (await WebhookApi.GetEndpointAsync(owner, id)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Event_types_must_be_named_and_subscribable()
    {
        var customer = await app.RegisterAndSignInAsync();
        foreach (var types in new[] { Array.Empty<string>(), ["account.opened", "account.exploded"], ["webhook.test"] })
        {
            var response = await customer.Client.PostAsJsonAsync("/v1/webhooks/endpoints", new { url = "http://127.0.0.1:9/hooks", eventTypes = types });
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_event_types");
        }
    }

    [Fact]
    public async Task Endpoints_are_listed_oldest_first_a_page_at_a_time()
    {
        var customer = await app.RegisterAndSignInAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await WebhookApi.CreateEndpointAsync(customer, $"http://127.0.0.1:9/hooks/{i}")).Id);
        }

        var first = await (await customer.Client.GetAsync("/v1/webhooks/endpoints?limit=2")).AssertJsonAsync(HttpStatusCode.OK);
        var cursor = first.GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);
        var second = await (await customer.Client.GetAsync($"/v1/webhooks/endpoints?limit=2&cursor={cursor}")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(ids, first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(e => e.GetProperty("id").GetString()));
        Assert.Null(second.GetProperty("nextCursor").GetString());
    }

    [Fact]
    public async Task Rotating_shows_a_new_secret_and_until_when_the_old_one_still_signs()
    {
        var customer = await app.RegisterAndSignInAsync();
        var (id, secret) = await WebhookApi.CreateEndpointAsync(customer, "http://127.0.0.1:9/hooks");
        var rotated = await (await customer.Client.PostAsync($"/v1/webhooks/endpoints/{id}/rotate-secret", null)).AssertJsonAsync(HttpStatusCode.OK);
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", newSecret, StringComparison.Ordinal);
        Assert.NotEqual(secret, newSecret);
        var until = rotated.GetProperty("previousSecretExpiresAt").GetDateTimeOffset();
        Assert.InRange(until, DateTimeOffset.UtcNow.AddHours(23.9), DateTimeOffset.UtcNow.AddHours(24.1));
        Assert.Equal(until, (await WebhookApi.GetEndpointAsync(customer, id)).GetProperty("previousSecretExpiresAt").GetDateTimeOffset());
    }
}
