
namespace Strongroom.Api.Tests.Support;

public sealed class DocsEnabledApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Api:Docs:Enabled"] = "true" };
}
