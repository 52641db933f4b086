using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Support;

/// <summary>A service of its own whose database file this test takes away. No background jobs touch the file meanwhile.</summary>
public sealed class AppWithFragileDatabase : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Ledger:HoldExpiryInterval"] = "01:00:00",
        ["Ledger:IdempotencyPurgeInterval"] = "01:00:00",
        ["Webhooks:PollInterval"] = "01:00:00",
        ["Cache:Duration"] = "00:10:00",
        ["Cache:FailSafeMaxDuration"] = "00:20:00",
        // A write that waited for the database instead of failing fast would wait this long: far
        // above the bound the test allows, so that bound can be generous for a busy machine.
        ["Ledger:MaxWriterWait"] = "00:00:30",
    };

    /// <summary>How quickly a write must be refused while the database is away: a sixth of <c>Ledger:MaxWriterWait</c>.</summary>
    public static readonly TimeSpan FailFastBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Makes the database unavailable the way a lost volume would: pooled connections are closed,
    /// the files moved away and a directory put in their place, so any open fails (SQLITE_CANTOPEN).
    /// </summary>
    public void TakeDatabaseAway()
    {
        ClearPool();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(DatabasePath + suffix))
            {
                File.Move(DatabasePath + suffix, DatabasePath + suffix + ".away");
            }
        }

        System.IO.Directory.CreateDirectory(DatabasePath);
    }

    public void BringDatabaseBack()
    {
        System.IO.Directory.Delete(DatabasePath);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(DatabasePath + suffix + ".away"))
            {
                File.Move(DatabasePath + suffix + ".away", DatabasePath + suffix);
            }
        }

        ClearPool();
    }

    private void ClearPool()
    {
        using var connection = new SqliteConnection(Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString);
        SqliteConnection.ClearPool(connection);
    }
}
