
namespace Strongroom.Api.Tests.Support;

/// <summary>A queueing budget of a millisecond, and no per-user limit in the way of a burst.</summary>
public sealed class TinyQueueWaitApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Ledger:MaxQueueWait"] = "00:00:00.001",
        ["Api:MoneyMovementRateLimit:PermitLimit"] = "100000",
        ["Api:MoneyMovementRateLimit:TokensPerSecond"] = "100000",
    };
}
