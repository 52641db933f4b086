
namespace Strongroom.Api.Tests.Support;

/// <summary>Four failures from one client address lock it, whichever accounts they tried.</summary>
public sealed class QuickIpLockoutApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Auth:Lockout:AccountFailures"] = "100",
        ["Auth:Lockout:IpFailures"] = "4",
    };
}
