
namespace Strongroom.Api.Tests.Support;

/// <summary>Keys remembered for one second and purged every 200 ms, so expiry can be watched.</summary>
public sealed class ShortKeyRetentionApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Ledger:IdempotencyRetention"] = "00:00:01",
        ["Ledger:IdempotencyPurgeInterval"] = "00:00:00.200",
    };
}
