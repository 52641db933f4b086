using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using StandardWebhooks;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>
/// The service with webhooks sent to loopback receivers over http, quickly: a short attempt timeout,
/// a short retry schedule (three retries, so four attempts) and a short poll.
/// </summary>
public class WebhookApp : SqliteApp
{
    public static readonly TimeSpan[] Schedule = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(400)];

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => Settings;

    public static IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:Timeout"] = "00:00:01",
        ["Webhooks:LeaseDuration"] = "00:00:05",
        ["Webhooks:PollInterval"] = "00:00:00.050",
        ["Webhooks:MaxConcurrentPerEndpoint"] = "2",
        ["Webhooks:PurgeInterval"] = "00:00:00.200",
        ["Webhooks:RetrySchedule:0"] = Schedule[0].ToString(),
        ["Webhooks:RetrySchedule:1"] = Schedule[1].ToString(),
        ["Webhooks:RetrySchedule:2"] = Schedule[2].ToString(),
    };
}

/// <summary>
/// Events put straight into the database, exactly as a committed change leaves them (the outbox
/// schema of migration 0012): the counter bumped and held to COMMIT, the event, its audience.
/// </summary>
public static class TestEvents
{
    public static async Task<long> InsertAsync(string databasePath, string type, string data, params string[] audience)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false, DefaultTimeout = 30 }.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE event_counter SET last_sequence = last_sequence + 1 WHERE id = 1 RETURNING last_sequence";
        var sequence = (long)(await command.ExecuteScalarAsync())!;
        command.CommandText = "INSERT INTO events (sequence, type, created_at, data) VALUES ($sequence, $type, $createdAt, $data)";
        command.Parameters.AddWithValue("$sequence", sequence);
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$createdAt", (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10);
        command.Parameters.AddWithValue("$data", data);
        await command.ExecuteNonQueryAsync();
        foreach (var user in audience)
        {
            var audienceCommand = connection.CreateCommand();
            audienceCommand.Transaction = transaction;
            audienceCommand.CommandText = "INSERT INTO event_audience (user_id, sequence) VALUES ($user, $sequence)";
            audienceCommand.Parameters.AddWithValue("$user", user);
            audienceCommand.Parameters.AddWithValue("$sequence", sequence);
            await audienceCommand.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return sequence;
    }

    /// <summary>Deletes every event up to <paramref name="sequence"/>, as the retention purge does.</summary>
    public static async Task PurgeThroughAsync(string databasePath, long sequence)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false, DefaultTimeout = 30 }.ConnectionString);
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM events WHERE sequence <= $sequence";
        command.Parameters.AddWithValue("$sequence", sequence);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>An <c>account.opened</c> event about an account of <paramref name="owner"/>.</summary>
    public static Task<long> AccountOpenedAsync(string databasePath, string owner, string accountId = "acc_test") =>
        InsertAsync(databasePath, "account.opened", $$"""{"id":"{{accountId}}","ownerId":"{{owner}}","status":"active"}""", owner);

    public static string IdOf(long sequence) => Strongroom.Infrastructure.Events.EventIds.Format(sequence);
}

public static class WebhookApi
{
    public static async Task<(string Id, string Secret)> CreateEndpointAsync(SignedIn caller, string url, params string[] eventTypes)
    {
        var response = await caller.Client.PostAsJsonAsync("/v1/webhooks/endpoints", new { url, eventTypes = eventTypes.Length == 0 ? ["account.opened"] : eventTypes });
        var created = await response.AssertJsonAsync(HttpStatusCode.Created);
        return (created.GetProperty("id").GetString()!, created.GetProperty("secret").GetString()!);
    }

    public static async Task<JsonElement> GetEndpointAsync(SignedIn caller, string id) =>
        await (await caller.Client.GetAsync($"/v1/webhooks/endpoints/{id}")).AssertJsonAsync(HttpStatusCode.OK);

    public static async Task<List<JsonElement>> AttemptsAsync(SignedIn caller, string id)
    {
        var attempts = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await (await caller.Client.GetAsync($"/v1/webhooks/endpoints/{id}/deliveries?limit=100{(cursor is null ? "" : "&cursor=" + cursor)}")).AssertJsonAsync(HttpStatusCode.OK);
            attempts.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        return attempts;
    }

    /// <summary>Verifies <paramref name="received"/> as a receiver would, with the StandardWebhooks package; throws when it does not verify.</summary>
    public static void Verify(string secret, ReceivedWebhook received) =>
        new StandardWebhook(secret).Verify(received.Body, received.Headers);

    public static bool Verifies(string secret, ReceivedWebhook received)
    {
        try
        {
            Verify(secret, received);
            return true;
        }
        catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
        {
            return false;
        }
    }
}
