using System.Net.Http.Json;
using Microsoft.Data.Sqlite;

namespace Strongroom.Api.Tests.Support;

/// <summary>The service over SQLite with the drain of asynchronous requests looking often, so a test that lets it go sees it start at once.</summary>
public class AsyncWritesApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Ledger:AsyncDrainInterval"] = "00:00:00.100",
        ["Api:MoneyMovementRateLimit:PermitLimit"] = "100000",
        ["Api:MoneyMovementRateLimit:TokensPerSecond"] = "100000",
    };
}

/// <summary>Room for two asynchronous requests not yet applied.</summary>
public sealed class TinyAsyncBacklogApp : AsyncWritesApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Ledger:AsyncBacklogLimit"] = "2",
    };
}

/// <summary>Finished asynchronous requests (and keys) forgotten after a second, looked for every 100 ms.</summary>
public sealed class ShortAsyncRetentionApp : AsyncWritesApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Ledger:IdempotencyRetention"] = "00:00:01",
        ["Ledger:IdempotencyPurgeInterval"] = "00:00:00.100",
    };
}

/// <summary>
/// Holds the drain's lease in the database as another replica would, so requests accepted with
/// <c>Prefer: respond-async</c> stay processing until released (the service's drain waits for an
/// expired lease); release lets it go.
/// </summary>
public sealed class HeldAsyncDrain : IAsyncDisposable
{
    private readonly string _databasePath;
    private bool _released;

    private HeldAsyncDrain(string databasePath) => _databasePath = databasePath;

    public static async Task<HeldAsyncDrain> HoldAsync(string databasePath)
    {
        await ExecuteAsync(databasePath, "UPDATE async_drain_lease SET holder = 'another-replica', expires_at = 9223372036854775807 WHERE id = 1");
        return new HeldAsyncDrain(databasePath);
    }

    /// <summary>A lease left by a replica that crashed: it expires at <paramref name="expiresAt"/>, and then the service's drain takes over.</summary>
    public static Task LeaveExpiringAsync(string databasePath, DateTimeOffset expiresAt) =>
        ExecuteAsync(databasePath, $"UPDATE async_drain_lease SET holder = 'crashed-replica', expires_at = {(expiresAt - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond} WHERE id = 1");

    public async Task ReleaseAsync()
    {
        if (!_released)
        {
            _released = true;
            await ExecuteAsync(_databasePath, "UPDATE async_drain_lease SET holder = '', expires_at = 0 WHERE id = 1");
        }
    }

    public ValueTask DisposeAsync() => new(ReleaseAsync());

    private static async Task ExecuteAsync(string databasePath, string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}

public static class AsyncLedgerClient
{
    public const string Prefer = "Prefer";
    public const string PreferenceApplied = "Preference-Applied";

    /// <summary>POSTs <paramref name="body"/> with the key and <c>Prefer: <paramref name="prefer"/></c>.</summary>
    public static Task<HttpResponseMessage> PostPreferringAsync(this HttpClient client, string path, object body, string idempotencyKey, string prefer = "respond-async")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation(LedgerClient.IdempotencyKeyHeader, idempotencyKey);
        request.Headers.TryAddWithoutValidation(Prefer, prefer);
        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> PostTransferAsyncly(this SignedIn caller, object body, string? idempotencyKey = null) =>
        caller.Client.PostPreferringAsync("/v1/transfers", body, idempotencyKey ?? LedgerClient.NewKey());

    public static Task<HttpResponseMessage> PostBatchAsyncly(this SignedIn caller, IEnumerable<object> transfers, string? idempotencyKey = null) =>
        caller.Client.PostPreferringAsync("/v1/transfers/batch", new { transfers }, idempotencyKey ?? LedgerClient.NewKey());

    /// <summary>Waits until GET /v1/transfers/{id} no longer says processing; returns the transfer then.</summary>
    public static async Task<System.Text.Json.JsonElement> WaitUntilSettledAsync(this SignedIn reader, string transferId)
    {
        System.Text.Json.JsonElement transfer = default;
        await LedgerClient.WaitUntilAsync(
            async () =>
            {
                transfer = await (await reader.GetTransferAsync(transferId)).AssertJsonAsync(System.Net.HttpStatusCode.OK);
                return transfer.Status() != "processing";
            },
            TimeSpan.FromSeconds(30),
            $"{transferId} is no longer processing");
        return transfer;
    }
}
