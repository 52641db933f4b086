
namespace Strongroom.Api.Tests.Support;

/// <summary>A service started without migrating (least-privilege deployment) is live but not ready until migrated.</summary>
public sealed class UnmigratedApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" };
}
