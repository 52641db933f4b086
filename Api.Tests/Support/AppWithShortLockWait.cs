
namespace Strongroom.Api.Tests.Support;

/// <summary>A service that waits at most one second for SQLite's write lock, and whose jobs stay off the database.</summary>
public sealed class AppWithShortLockWait : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Database:CommandTimeoutSeconds"] = "1",
        ["Ledger:HoldExpiryInterval"] = "01:00:00",
        ["Ledger:IdempotencyPurgeInterval"] = "01:00:00",
        ["Webhooks:PollInterval"] = "01:00:00",
    };
}
