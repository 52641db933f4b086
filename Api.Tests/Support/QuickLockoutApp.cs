
namespace Strongroom.Api.Tests.Support;

/// <summary>Three failures lock an account; ten lock a client address.</summary>
public sealed class QuickLockoutApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Auth:Lockout:AccountFailures"] = "3",
        ["Auth:Lockout:IpFailures"] = "10",
    };
}
