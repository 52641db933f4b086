
namespace Strongroom.Api.Tests.Support;

public sealed class CorsApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Api:CorsOrigins:0"] = "https://app.example" };
}
