
namespace Strongroom.Api.Tests.Support;

/// <summary>Expires holds every 200 ms, so a test can watch one expire.</summary>
public sealed class FastHoldExpiryApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Ledger:HoldExpiryInterval"] = "00:00:00.200" };
}
